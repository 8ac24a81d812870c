#pragma once
// The only way tests include Catch2. Debian's LibTorch logs through glog,
// whose CHECK macro silently replaces Catch2's CHECK when a LibTorch header
// comes after catch.hpp: the assertion would then abort instead of being
// counted. Bringing glog in first (its include guard keeps later inclusions
// out) and dropping its CHECK makes the order of includes irrelevant.
#include <c10/util/Logging.h>

#ifdef CHECK
#undef CHECK
#endif

#include <catch2/catch.hpp>
