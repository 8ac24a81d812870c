#pragma once
// Reads the HDF5 files Hdf5Writer writes (and others of the same shape):
// lists datasets with their element type and shape, reads row ranges of
// float32 matrices, int64 vectors and variable-length strings, and reads
// root-group attributes. Any failure is an IoError naming the file and the
// dataset. No HDF5 types in this header.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/hdf5_writer.hpp"

namespace plmkit {

struct Hdf5DatasetInfo {
    std::string name;  ///< path without the leading '/', e.g. "layers/6/mean"
    Hdf5ElementType type = Hdf5ElementType::f32;
    std::uint64_t rows = 0;  ///< first dimension
    std::size_t cols = 0;    ///< second dimension; 0 for a 1-D dataset
    /// Set by datasets(): empty, or when this name is a hard link to a
    /// dataset that also has another name: that name (the primary one, the
    /// one with the fewest '/', then the first in name order). Both names
    /// read the same data. info() leaves it empty.
    std::string link_of;
};

struct Hdf5Attribute {
    std::string name;
    bool is_string = false;
    std::string text;         ///< when is_string
    std::int64_t number = 0;  ///< when an integer
};

class Hdf5Reader {
  public:
    /// Opens `path` read-only. Throws IoError when it is not a readable HDF5 file.
    explicit Hdf5Reader(const std::string& path);
    ~Hdf5Reader();
    Hdf5Reader(const Hdf5Reader&) = delete;
    Hdf5Reader& operator=(const Hdf5Reader&) = delete;

    /// Every dataset in the file (groups walked recursively), sorted by name;
    /// a dataset with several names (hard links) is listed under each, all
    /// but the primary one with `link_of` set. Float datasets report f32,
    /// integer ones i64, string ones utf8; any other type or a rank above 2
    /// is an IoError.
    std::vector<Hdf5DatasetInfo> datasets() const;
    bool has_dataset(const std::string& name) const;
    /// IoError when the dataset does not exist.
    Hdf5DatasetInfo info(const std::string& name) const;

    /// Rows [first, first + rows) of a float dataset (row-major, rows * cols
    /// values; cols = 1 for 1-D), converted to float32.
    std::vector<float> read_f32(const std::string& name, std::uint64_t first,
                                std::uint64_t rows) const;
    /// Elements [first, first + n) of a 1-D integer dataset, as int64.
    std::vector<std::int64_t> read_i64(const std::string& name, std::uint64_t first,
                                       std::uint64_t n) const;
    /// Elements [first, first + n) of a 1-D variable-length string dataset.
    std::vector<std::string> read_strings(const std::string& name, std::uint64_t first,
                                          std::uint64_t n) const;

    /// Root-group attributes that are scalar strings or integers, by name.
    std::vector<Hdf5Attribute> attributes() const;
    std::optional<Hdf5Attribute> attribute(const std::string& name) const;

    const std::string& path() const { return path_; }

  private:
    struct Impl;
    std::string path_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace plmkit
