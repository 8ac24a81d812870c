#include "src/hdf5_handle.hpp"

namespace plmkit::hdf5 {

std::string error_detail() {
    std::string detail;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
            if (n == 0 && e && e->desc) *static_cast<std::string*>(data) = e->desc;
            return 0;
        },
        &detail);
    H5Eclear2(H5E_DEFAULT);
    return detail;
}

}  // namespace plmkit::hdf5
