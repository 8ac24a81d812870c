#pragma once
// The per-molecule work of a screening run, split in two phases around the
// (sequential, input-ordered) de-duplication:
//   prepare():  parse -> standardize -> canonical SMILES (the dedupe key)
//   evaluate(): descriptors -> filter -> similarity -> score -> output rows
// Each worker thread owns one ScreenWorker (RDKit standardizer objects are
// not thread-safe); the ScreenPlan is shared read-only.
#include <array>
#include <memory>

#include "pipelines/screen_item.hpp"

namespace plmkit::pipelines {

class ScreenPlan;
class Standardizer;

class ScreenWorker {
  public:
    explicit ScreenWorker(const ScreenPlan& plan);
    ~ScreenWorker();
    ScreenWorker(const ScreenWorker&) = delete;
    ScreenWorker& operator=(const ScreenWorker&) = delete;

    void prepare(ScreenItem& item);
    void evaluate(ScreenItem& item);

    /// CPU seconds spent per step by this worker's thread.
    const std::array<double, kScreenSteps>& seconds() const { return seconds_; }

  private:
    const ScreenPlan& plan_;
    std::unique_ptr<Standardizer> standardizer_;
    std::array<double, kScreenSteps> seconds_{};
};

}  // namespace plmkit::pipelines
