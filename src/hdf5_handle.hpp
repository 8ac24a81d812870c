#pragma once
// Internal to the core's HDF5 reader and writer: a scoped handle and HDF5's own error text.
#include <hdf5.h>

#include <string>

namespace plmkit::hdf5 {

/// The innermost message of HDF5's error stack, which is then cleared ("" when empty).
std::string error_detail();

/// Closes an HDF5 handle at scope exit.
class Handle {
  public:
    Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
    ~Handle() {
        if (id_ >= 0) closer_(id_);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    hid_t get() const { return id_; }
    bool ok() const { return id_ >= 0; }

  private:
    hid_t id_;
    herr_t (*closer_)(hid_t);
};

}  // namespace plmkit::hdf5
