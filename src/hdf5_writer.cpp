#include "src/hdf5_writer.hpp"

#include <hdf5.h>

#include <algorithm>
#include <map>

#include "src/error.hpp"
#include "src/hdf5_handle.hpp"

namespace plmkit {
namespace {

using hdf5::Handle;

struct Dataset {
    hid_t id = -1;
    Hdf5ElementType type = Hdf5ElementType::f32;
    hsize_t cols = 1;  ///< row width; 1 for 1-D datasets
    int rank = 1;
    hsize_t rows = 0;
};

std::string dataset_path(const std::string& name) {
    return name.empty() || name[0] != '/' ? "/" + name : name;
}

}  // namespace

struct Hdf5Writer::Impl {
    hid_t file = -1;
    hid_t utf8 = -1;  ///< variable-length UTF-8 string type
    std::map<std::string, Dataset> sets;
    std::map<std::string, std::string> links;  ///< link name -> target

    void close_all() {
        for (auto& [name, d] : sets)
            if (d.id >= 0) H5Dclose(d.id), d.id = -1;
        if (utf8 >= 0) H5Tclose(utf8), utf8 = -1;
        if (file >= 0) H5Fclose(file), file = -1;
    }
};

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what,
                       const std::string& dataset = "") {
    std::string msg = "'" + path + "'";
    if (!dataset.empty()) msg += ": dataset '" + dataset_path(dataset) + "'";
    msg += ": cannot " + what;
    std::string detail = hdf5::error_detail();
    if (!detail.empty()) msg += " (HDF5: " + detail + ")";
    throw IoError(msg);
}
}  // namespace

Hdf5Writer::Hdf5Writer(const std::string& path) : path_(path), impl_(std::make_unique<Impl>()) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not prints
    impl_->file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (impl_->file < 0) fail(path, "create the HDF5 file");
    impl_->utf8 = H5Tcopy(H5T_C_S1);
    if (impl_->utf8 < 0 || H5Tset_size(impl_->utf8, H5T_VARIABLE) < 0 ||
        H5Tset_cset(impl_->utf8, H5T_CSET_UTF8) < 0)
        fail(path, "create the UTF-8 string type");
}

Hdf5Writer::~Hdf5Writer() {
    if (impl_) impl_->close_all();
}

void Hdf5Writer::create_dataset(const std::string& name, Hdf5ElementType type, std::size_t cols,
                                const Hdf5DatasetOptions& options) {
    if (impl_->file < 0) fail(path_, "create a dataset in a closed file", name);
    if (impl_->sets.count(name) || impl_->links.count(name))
        throw IoError("'" + path_ + "': dataset '" + dataset_path(name) + "' created twice");
    Dataset d;
    d.type = type;
    d.rank = (type == Hdf5ElementType::f32 && cols > 0) ? 2 : 1;
    d.cols = d.rank == 2 ? cols : 1;
    hsize_t dims[2] = {0, d.cols};
    hsize_t maxdims[2] = {H5S_UNLIMITED, d.cols};
    Handle space(H5Screate_simple(d.rank, dims, maxdims), H5Sclose);
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (!space.ok() || !lcpl.ok() || !dcpl.ok()) fail(path_, "set up", name);
    H5Pset_create_intermediate_group(lcpl.get(), 1);

    std::size_t elem = type == Hdf5ElementType::f32 ? 4 : (type == Hdf5ElementType::i64 ? 8 : 16);
    hsize_t chunk_rows = std::max<hsize_t>(1, options.chunk_bytes / (elem * d.cols));
    if (type == Hdf5ElementType::utf8) chunk_rows = std::min<hsize_t>(chunk_rows, 4096);
    hsize_t chunk[2] = {chunk_rows, d.cols};
    bool ok = H5Pset_chunk(dcpl.get(), d.rank, chunk) >= 0;
    if (options.shuffle && type != Hdf5ElementType::utf8)
        ok = ok && H5Pset_shuffle(dcpl.get()) >= 0;
    if (options.gzip_level > 0) ok = ok && H5Pset_deflate(dcpl.get(), options.gzip_level) >= 0;
    if (!ok) fail(path_, "set the chunking and compression", name);

    hid_t ftype = type == Hdf5ElementType::f32   ? H5T_IEEE_F32LE
                  : type == Hdf5ElementType::i64 ? H5T_STD_I64LE
                                                 : impl_->utf8;
    d.id = H5Dcreate2(impl_->file, name.c_str(), ftype, space.get(), lcpl.get(), dcpl.get(),
                      H5P_DEFAULT);
    if (d.id < 0) fail(path_, "create the dataset", name);
    impl_->sets.emplace(name, d);
}

bool Hdf5Writer::has_dataset(const std::string& name) const {
    return impl_->sets.count(name) != 0 || impl_->links.count(name) != 0;
}

void Hdf5Writer::link_dataset(const std::string& target, const std::string& link_name) {
    if (impl_->file < 0) fail(path_, "link a dataset in a closed file", link_name);
    if (!impl_->sets.count(target))
        throw IoError("'" + path_ + "': cannot link '" + dataset_path(link_name) +
                      "' to dataset '" + dataset_path(target) + "': it was not created");
    if (has_dataset(link_name))
        throw IoError("'" + path_ + "': dataset '" + dataset_path(link_name) + "' created twice");
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    if (!lcpl.ok() || H5Pset_create_intermediate_group(lcpl.get(), 1) < 0)
        fail(path_, "set up the link", link_name);
    if (H5Lcreate_hard(impl_->file, dataset_path(target).c_str(), impl_->file,
                       dataset_path(link_name).c_str(), lcpl.get(), H5P_DEFAULT) < 0)
        fail(path_, "link it to '" + dataset_path(target) + "'", link_name);
    impl_->links.emplace(link_name, target);
}

namespace {
void append_rows(const std::string& path, const std::string& name, Dataset& d, hid_t memtype,
                 const void* data, hsize_t rows) {
    if (rows == 0) return;
    hsize_t dims[2] = {d.rows + rows, d.cols};
    if (H5Dset_extent(d.id, dims) < 0) fail(path, "extend", name);
    Handle fspace(H5Dget_space(d.id), H5Sclose);
    hsize_t start[2] = {d.rows, 0};
    hsize_t count[2] = {rows, d.cols};
    Handle mspace(H5Screate_simple(d.rank, count, nullptr), H5Sclose);
    if (!fspace.ok() || !mspace.ok() ||
        H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
        fail(path, "select rows in", name);
    if (H5Dwrite(d.id, memtype, mspace.get(), fspace.get(), H5P_DEFAULT, data) < 0)
        fail(path, "write " + std::to_string(rows) + " rows to", name);
    d.rows += rows;
}

Dataset& find(std::map<std::string, Dataset>& sets, const std::map<std::string, std::string>& links,
              const std::string& path, const std::string& name, Hdf5ElementType type) {
    auto it = sets.find(name);
    if (it == sets.end() && links.count(name))
        throw IoError("'" + path + "': dataset '" + dataset_path(name) + "' is a link to '" +
                      dataset_path(links.at(name)) + "': append to that name");
    if (it == sets.end())
        throw IoError("'" + path + "': dataset '" + dataset_path(name) + "' was not created");
    if (it->second.type != type)
        throw IoError("'" + path + "': dataset '" + dataset_path(name) +
                      "' appended with the wrong element type");
    if (it->second.id < 0)
        throw IoError("'" + path + "': dataset '" + dataset_path(name) + "' is closed");
    return it->second;
}
}  // namespace

void Hdf5Writer::append(const std::string& name, const float* data, std::size_t rows) {
    Dataset& d = find(impl_->sets, impl_->links, path_, name, Hdf5ElementType::f32);
    append_rows(path_, name, d, H5T_NATIVE_FLOAT, data, rows);
}

void Hdf5Writer::append(const std::string& name, const std::int64_t* data, std::size_t n) {
    Dataset& d = find(impl_->sets, impl_->links, path_, name, Hdf5ElementType::i64);
    append_rows(path_, name, d, H5T_NATIVE_INT64, data, n);
}

void Hdf5Writer::append(const std::string& name, const std::vector<std::string>& strings) {
    Dataset& d = find(impl_->sets, impl_->links, path_, name, Hdf5ElementType::utf8);
    std::vector<const char*> ptrs;
    ptrs.reserve(strings.size());
    for (const auto& s : strings)
        ptrs.push_back(s.c_str());
    append_rows(path_, name, d, impl_->utf8, ptrs.data(), ptrs.size());
}

std::uint64_t Hdf5Writer::rows(const std::string& name) const {
    auto link = impl_->links.find(name);
    auto it = impl_->sets.find(link == impl_->links.end() ? name : link->second);
    return it == impl_->sets.end() ? 0 : it->second.rows;
}

namespace {
void write_attribute(const std::string& path, hid_t file, const std::string& name, hid_t type,
                     const void* value) {
    if (file < 0) throw IoError("'" + path + "': cannot set attribute '" + name + "': closed");
    if (H5Aexists(file, name.c_str()) > 0) H5Adelete(file, name.c_str());
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(file, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
    hid_t memtype = type == H5T_STD_I64LE ? H5T_NATIVE_INT64 : type;
    if (!attr.ok() || H5Awrite(attr.get(), memtype, value) < 0)
        fail(path, "write attribute '" + name + "'");
}
}  // namespace

void Hdf5Writer::set_attribute(const std::string& name, const std::string& value) {
    const char* p = value.c_str();
    write_attribute(path_, impl_->file, name, impl_->utf8, &p);
}

void Hdf5Writer::set_attribute(const std::string& name, std::int64_t value) {
    write_attribute(path_, impl_->file, name, H5T_STD_I64LE, &value);
}

void Hdf5Writer::close() {
    if (impl_->file < 0) return;
    bool ok = true;
    for (auto& [name, d] : impl_->sets) {
        if (d.id >= 0) ok = H5Dclose(d.id) >= 0 && ok;
        d.id = -1;
    }
    if (impl_->utf8 >= 0) H5Tclose(impl_->utf8);
    impl_->utf8 = -1;
    ok = H5Fclose(impl_->file) >= 0 && ok;
    impl_->file = -1;
    if (!ok) fail(path_, "flush and close the file");
}

}  // namespace plmkit
