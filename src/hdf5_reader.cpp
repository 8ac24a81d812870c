#include "src/hdf5_reader.hpp"

#include <hdf5.h>

#include <algorithm>
#include <map>

#include "src/error.hpp"
#include "src/hdf5_handle.hpp"

namespace plmkit {
namespace {

using hdf5::Handle;

[[noreturn]] void fail(const std::string& path, const std::string& what,
                       const std::string& dataset = "") {
    std::string msg = "'" + path + "'";
    if (!dataset.empty()) msg += ": dataset '/" + dataset + "'";
    msg += ": " + what;
    std::string detail = hdf5::error_detail();
    if (!detail.empty()) msg += " (HDF5: " + detail + ")";
    throw IoError(msg);
}

std::string strip_slash(const std::string& name) {
    return !name.empty() && name[0] == '/' ? name.substr(1) : name;
}

/// A variable-length UTF-8 string type for reading.
hid_t make_string_type() {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

}  // namespace

struct Hdf5Reader::Impl {
    hid_t file = -1;
};

Hdf5Reader::Hdf5Reader(const std::string& path) : path_(path), impl_(std::make_unique<Impl>()) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not prints
    impl_->file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (impl_->file < 0) fail(path, "cannot open as an HDF5 file");
}

Hdf5Reader::~Hdf5Reader() {
    if (impl_ && impl_->file >= 0) H5Fclose(impl_->file);
}

namespace {

Hdf5DatasetInfo describe(const std::string& path, hid_t dset, const std::string& name) {
    Handle type(H5Dget_type(dset), H5Tclose);
    Handle space(H5Dget_space(dset), H5Sclose);
    if (!type.ok() || !space.ok()) fail(path, "cannot read its type and shape", name);
    Hdf5DatasetInfo info;
    info.name = name;
    switch (H5Tget_class(type.get())) {
        case H5T_FLOAT:
            info.type = Hdf5ElementType::f32;
            break;
        case H5T_INTEGER:
            info.type = Hdf5ElementType::i64;
            break;
        case H5T_STRING:
            info.type = Hdf5ElementType::utf8;
            break;
        default:
            fail(path, "has an element type other than float, integer or string", name);
    }
    int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || rank > 2)
        fail(path, "has rank " + std::to_string(rank) + ", expected 1 or 2", name);
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    info.rows = dims[0];
    info.cols = rank == 2 ? static_cast<std::size_t>(dims[1]) : 0;
    return info;
}

/// The object's identity in its file (its address, or token from HDF5
/// 1.12 on) as bytes: two links to one dataset give the same key.
std::string object_key(const std::string& path, hid_t obj, const std::string& name) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t oi;
    if (H5Oget_info3(obj, &oi, H5O_INFO_BASIC) < 0) fail(path, "cannot read its object info", name);
    return std::string(reinterpret_cast<const char*>(&oi.token), sizeof oi.token);
#else
    H5O_info_t oi;
    if (H5Oget_info2(obj, &oi, H5O_INFO_BASIC) < 0) fail(path, "cannot read its object info", name);
    return std::string(reinterpret_cast<const char*>(&oi.addr), sizeof oi.addr);
#endif
}

struct VisitState {
    const std::string* path;
    std::vector<Hdf5DatasetInfo>* out;
    std::vector<std::string>* keys;  ///< object_key of each entry of out
};

herr_t visit_link(hid_t group, const char* name, const H5L_info_t*, void* data) {
    auto* st = static_cast<VisitState*>(data);
    Handle obj(H5Oopen(group, name, H5P_DEFAULT), H5Oclose);
    if (obj.ok() && H5Iget_type(obj.get()) == H5I_DATASET) {
        st->out->push_back(describe(*st->path, obj.get(), name));
        st->keys->push_back(object_key(*st->path, obj.get(), name));
    }
    return 0;
}

/// Fewest '/' first, then name order.
bool primary_before(const std::string& a, const std::string& b) {
    auto da = std::count(a.begin(), a.end(), '/'), db = std::count(b.begin(), b.end(), '/');
    return da != db ? da < db : a < b;
}

/// Sets link_of on every name of a dataset but its primary one.
void mark_links(std::vector<Hdf5DatasetInfo>& sets, const std::vector<std::string>& keys) {
    std::map<std::string, std::string> primary;  // object key -> primary name
    for (std::size_t i = 0; i < sets.size(); ++i) {
        auto [it, fresh] = primary.emplace(keys[i], sets[i].name);
        if (!fresh && primary_before(sets[i].name, it->second)) it->second = sets[i].name;
    }
    for (std::size_t i = 0; i < sets.size(); ++i) {
        const std::string& p = primary.at(keys[i]);
        if (p != sets[i].name) sets[i].link_of = p;
    }
}

/// Reads elements [first, first + rows) x cols of `name` into `buf`.
void read_rows(const std::string& path, hid_t file, const std::string& name, hid_t memtype,
               std::uint64_t first, std::uint64_t rows, void* buf) {
    Handle dset(H5Dopen2(file, ("/" + name).c_str(), H5P_DEFAULT), H5Dclose);
    if (!dset.ok()) fail(path, "no such dataset", name);
    Hdf5DatasetInfo info = describe(path, dset.get(), name);
    if (first + rows > info.rows)
        fail(path,
             "rows " + std::to_string(first) + ".." + std::to_string(first + rows) +
                 " requested, it has " + std::to_string(info.rows),
             name);
    if (rows == 0) return;
    Handle fspace(H5Dget_space(dset.get()), H5Sclose);
    int rank = info.cols ? 2 : 1;
    hsize_t start[2] = {first, 0};
    hsize_t count[2] = {rows, info.cols};
    Handle mspace(H5Screate_simple(rank, count, nullptr), H5Sclose);
    if (H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
        H5Dread(dset.get(), memtype, mspace.get(), fspace.get(), H5P_DEFAULT, buf) < 0)
        fail(path,
             "cannot read rows " + std::to_string(first) + ".." + std::to_string(first + rows),
             name);
}

}  // namespace

std::vector<Hdf5DatasetInfo> Hdf5Reader::datasets() const {
    std::vector<Hdf5DatasetInfo> out;
    std::vector<std::string> keys;
    VisitState st{&path_, &out, &keys};
    if (H5Lvisit(impl_->file, H5_INDEX_NAME, H5_ITER_INC, visit_link, &st) < 0)
        fail(path_, "cannot list its datasets");
    mark_links(out, keys);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

bool Hdf5Reader::has_dataset(const std::string& name) const {
    for (const auto& d : datasets())
        if (d.name == strip_slash(name)) return true;
    return false;
}

Hdf5DatasetInfo Hdf5Reader::info(const std::string& name) const {
    std::string n = strip_slash(name);
    Handle dset(H5Dopen2(impl_->file, ("/" + n).c_str(), H5P_DEFAULT), H5Dclose);
    if (!dset.ok()) fail(path_, "no such dataset", n);
    return describe(path_, dset.get(), n);
}

std::vector<float> Hdf5Reader::read_f32(const std::string& name, std::uint64_t first,
                                        std::uint64_t rows) const {
    std::string n = strip_slash(name);
    Hdf5DatasetInfo i = info(n);
    if (i.type != Hdf5ElementType::f32) fail(path_, "is not a float dataset", n);
    std::vector<float> out(rows * std::max<std::size_t>(i.cols, 1));
    read_rows(path_, impl_->file, n, H5T_NATIVE_FLOAT, first, rows, out.data());
    return out;
}

std::vector<std::int64_t> Hdf5Reader::read_i64(const std::string& name, std::uint64_t first,
                                               std::uint64_t n) const {
    std::string nm = strip_slash(name);
    Hdf5DatasetInfo i = info(nm);
    if (i.type != Hdf5ElementType::i64 || i.cols != 0)
        fail(path_, "is not a 1-D integer dataset", nm);
    std::vector<std::int64_t> out(n);
    read_rows(path_, impl_->file, nm, H5T_NATIVE_INT64, first, n, out.data());
    return out;
}

std::vector<std::string> Hdf5Reader::read_strings(const std::string& name, std::uint64_t first,
                                                  std::uint64_t n) const {
    std::string nm = strip_slash(name);
    Hdf5DatasetInfo i = info(nm);
    if (i.type != Hdf5ElementType::utf8 || i.cols != 0)
        fail(path_, "is not a 1-D string dataset", nm);
    Handle dset(H5Dopen2(impl_->file, ("/" + nm).c_str(), H5P_DEFAULT), H5Dclose);
    Handle file_type(H5Dget_type(dset.get()), H5Tclose);
    if (H5Tis_variable_str(file_type.get()) <= 0)
        fail(path_, "holds fixed-length strings, expected variable-length", nm);
    Handle memtype(make_string_type(), H5Tclose);
    std::vector<char*> ptrs(n, nullptr);
    read_rows(path_, impl_->file, nm, memtype.get(), first, n, ptrs.data());
    std::vector<std::string> out;
    out.reserve(n);
    for (char* p : ptrs)
        out.emplace_back(p ? p : "");
    if (n > 0) {
        hsize_t count = n;
        Handle mspace(H5Screate_simple(1, &count, nullptr), H5Sclose);
        H5Dvlen_reclaim(memtype.get(), mspace.get(), H5P_DEFAULT, ptrs.data());
    }
    return out;
}

namespace {

struct AttrState {
    std::vector<Hdf5Attribute>* out;
};

herr_t visit_attribute(hid_t loc, const char* name, const H5A_info_t*, void* data) {
    auto* out = static_cast<AttrState*>(data)->out;
    Handle attr(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
    if (!attr.ok()) return 0;
    Handle type(H5Aget_type(attr.get()), H5Tclose);
    Handle space(H5Aget_space(attr.get()), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) != 1) return 0;
    Hdf5Attribute a;
    a.name = name;
    H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_INTEGER) {
        if (H5Aread(attr.get(), H5T_NATIVE_INT64, &a.number) < 0) return -1;
    } else if (cls == H5T_STRING) {
        a.is_string = true;
        if (H5Tis_variable_str(type.get()) > 0) {
            Handle memtype(make_string_type(), H5Tclose);
            char* p = nullptr;
            if (H5Aread(attr.get(), memtype.get(), &p) < 0) return -1;
            a.text = p ? p : "";
            H5free_memory(p);
        } else {
            std::string buf(H5Tget_size(type.get()), '\0');
            if (H5Aread(attr.get(), type.get(), buf.data()) < 0) return -1;
            a.text = buf.substr(0, buf.find('\0'));
        }
    } else {
        return 0;
    }
    out->push_back(std::move(a));
    return 0;
}

}  // namespace

std::vector<Hdf5Attribute> Hdf5Reader::attributes() const {
    std::vector<Hdf5Attribute> out;
    AttrState st{&out};
    hsize_t idx = 0;
    if (H5Aiterate2(impl_->file, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_attribute, &st) < 0)
        fail(path_, "cannot read its attributes");
    return out;
}

std::optional<Hdf5Attribute> Hdf5Reader::attribute(const std::string& name) const {
    for (auto& a : attributes())
        if (a.name == name) return a;
    return std::nullopt;
}

}  // namespace plmkit
