#pragma once
// Output written under a temporary name in the same folder and renamed to the
// final name only by commit(): an interrupted run leaves no half-file that
// looks complete. Without commit() the temporary file is removed. A final
// path that exists and is not a regular file or folder (a device such as
// /dev/null, a FIFO) is refused (UsageError) rather than replaced; a final
// path whose folder does not exist is an IoError naming that path.
#include <string>

namespace plmkit {

/// What AtomicFile::commit() does besides the rename.
enum class Durability {
    rename,  ///< the rename only: atomic for readers and against a killed process
    fsync,   ///< also fsync the file before the rename and its folder after: the new
             ///< content is on disk when commit() returns (a checkpoint state that a
             ///< machine going down must not lose or leave empty)
};

class AtomicFile {
  public:
    explicit AtomicFile(std::string final_path, Durability durability = Durability::rename);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// Where to write: "<dir>/.<name>.tmp-<pid>".
    const std::string& temp_path() const { return temp_path_; }
    const std::string& final_path() const { return final_path_; }
    /// Renames the temporary file to the final name (throws IoError), with
    /// Durability::fsync syncing it first and its folder after. A final
    /// name ending in ".gz" gets the content gzip-compressed.
    void commit();

  private:
    std::string final_path_;
    std::string temp_path_;
    std::string folder_;  ///< of final_path_ ("." for a bare name)
    Durability durability_;
    bool committed_ = false;
};

/// A folder written under "<parent>/.<name>.tmp-<pid>" and moved to its
/// final name only by commit(), replacing a folder of that name (moved aside
/// first, removed after): readers never see a half-written model folder.
/// Without commit() the temporary folder is removed.
class AtomicDir {
  public:
    /// Creates the temporary folder (throws IoError).
    explicit AtomicDir(const std::string& final_dir);
    ~AtomicDir();
    AtomicDir(const AtomicDir&) = delete;
    AtomicDir& operator=(const AtomicDir&) = delete;

    /// Where to write the folder's files.
    const std::string& temp_path() const { return temp_path_; }
    /// Moves the folder into place (throws IoError).
    void commit();

  private:
    std::string final_dir_;
    std::string temp_path_;
    bool committed_ = false;
};

}  // namespace plmkit
