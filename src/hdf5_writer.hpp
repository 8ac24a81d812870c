#pragma once
// Writes an HDF5 file made of extendible, chunked, compressed datasets that
// grow by appending rows: float32 matrices [n, cols] (or 1-D when cols == 0),
// int64 vectors and variable-length UTF-8 strings. Dataset names may be
// nested paths ("layers/6/mean"); groups are created on the way. A dataset
// may get a second name (a hard link: stored once, read under both). String and
// integer attributes go on the root group. Any failure is an IoError naming
// the file and the dataset. No HDF5 types in this header.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace plmkit {

enum class Hdf5ElementType { f32, i64, utf8 };

struct Hdf5DatasetOptions {
    std::size_t chunk_bytes = 1 << 20;  ///< target bytes per chunk (before compression)
    int gzip_level = 4;                 ///< 0 = no compression
    bool shuffle = true;                ///< byte-shuffle filter before gzip
};

class Hdf5Writer {
  public:
    /// Creates (truncates) `path`. Throws IoError when it cannot.
    explicit Hdf5Writer(const std::string& path);
    /// Closes the file if close() was not called (errors are swallowed).
    ~Hdf5Writer();
    Hdf5Writer(const Hdf5Writer&) = delete;
    Hdf5Writer& operator=(const Hdf5Writer&) = delete;

    /// An empty dataset: f32 with cols > 0 is [0, cols], otherwise 1-D.
    /// Creating a name twice is an IoError.
    void create_dataset(const std::string& name, Hdf5ElementType type, std::size_t cols = 0,
                        const Hdf5DatasetOptions& options = {});
    bool has_dataset(const std::string& name) const;
    /// A second name for `target` (an HDF5 hard link, H5Lcreate_hard): both
    /// names are the same dataset, stored once, so rows appended to `target`
    /// are seen under `link_name` too. Groups on the way are created.
    /// `link_name` cannot be appended to (append to `target`); an existing
    /// name or an unknown target is an IoError.
    void link_dataset(const std::string& target, const std::string& link_name);

    /// Appends `rows` rows of `cols` floats (the dataset's width; 1 for 1-D).
    void append(const std::string& name, const float* data, std::size_t rows);
    void append(const std::string& name, const std::int64_t* data, std::size_t n);
    void append(const std::string& name, const std::vector<std::string>& strings);
    /// Rows written so far.
    std::uint64_t rows(const std::string& name) const;

    /// Root-group attributes (a second call with the same name replaces it).
    void set_attribute(const std::string& name, const std::string& value);
    void set_attribute(const std::string& name, std::int64_t value);

    /// Flushes and closes every dataset and the file; throws IoError on failure.
    void close();
    const std::string& path() const { return path_; }

  private:
    struct Impl;
    std::string path_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace plmkit
