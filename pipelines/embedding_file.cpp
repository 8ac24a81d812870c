#include "pipelines/embedding_file.hpp"

namespace plmkit::pipelines {
namespace {

std::string layer_prefix(const EmbedContent& content, std::size_t li) {
    return "layers/" + std::to_string(content.layers[li]) + "/";
}

std::vector<std::string> layer_set_names(const EmbedContent& c) {
    std::vector<std::string> names;
    if (c.mean) names.push_back("mean");
    if (c.bos) names.push_back("bos");
    if (c.per_tok) names.push_back("per_tok");
    return names;
}

}  // namespace

EmbeddingFile::EmbeddingFile(const std::string& path, const EmbeddingFileLayout& layout)
    : layout_(layout), writer_(path) {
    const EmbedContent& c = layout_.content;
    // The float datasets (gzip_level); the small integer and string ones stay
    // compressed: uncompressed, each would take a whole chunk (1 MiB) on disk.
    Hdf5DatasetOptions o;
    o.gzip_level = layout_.gzip_level;
    o.shuffle = layout_.gzip_level > 0;
    // An uncompressed dataset's last chunk takes its full size on disk.
    if (layout_.gzip_level == 0) o.chunk_bytes = 256 << 10;
    writer_.create_dataset("ids", Hdf5ElementType::utf8);
    writer_.create_dataset("lengths", Hdf5ElementType::i64);
    writer_.create_dataset("record_index", Hdf5ElementType::i64);
    writer_.create_dataset("original_lengths", Hdf5ElementType::i64);
    // The last (deepest) layer is written at the top level. With several
    // layers /layers/<k>/ holds each; the last one's names there are hard
    // links to the top-level datasets (stored once, read under both names).
    const auto names = c.needs_representations() ? layer_set_names(c) : std::vector<std::string>{};
    for (const auto& name : names)
        writer_.create_dataset(name, Hdf5ElementType::f32, layout_.hidden_size, o);
    for (std::size_t li = 0; c.layers.size() > 1 && li < c.layers.size(); ++li) {
        for (const auto& name : names) {
            if (li + 1 == c.layers.size())
                writer_.link_dataset(name, layer_prefix(c, li) + name);
            else
                writer_.create_dataset(layer_prefix(c, li) + name, Hdf5ElementType::f32,
                                       layout_.hidden_size, o);
        }
    }
    std::int64_t zero = 0;
    if (c.per_tok || c.logits) {
        writer_.create_dataset("offsets", Hdf5ElementType::i64);
        writer_.append("offsets", &zero, 1);
    }
    if (c.logits) writer_.create_dataset("logits", Hdf5ElementType::f32, layout_.vocab_size, o);
    if (c.contacts) {
        writer_.create_dataset("contacts", Hdf5ElementType::f32, 0, o);
        writer_.create_dataset("contact_offsets", Hdf5ElementType::i64);
        writer_.append("contact_offsets", &zero, 1);
    }
}

void EmbeddingFile::append_layer(std::size_t li, const std::string& prefix,
                                 const std::vector<SequenceEmbedding>& embeddings) {
    const EmbedContent& c = layout_.content;
    const std::size_t e = layout_.hidden_size;
    std::vector<float> buf;
    auto write = [&](const std::string& name, auto member) {
        buf.clear();
        for (const auto& s : embeddings) {
            const auto& v = (s.*member)[li];
            buf.insert(buf.end(), v.begin(), v.end());
        }
        writer_.append(prefix + name, buf.data(), buf.size() / e);
    };
    if (c.mean) write("mean", &SequenceEmbedding::mean);
    if (c.bos) write("bos", &SequenceEmbedding::bos);
    if (c.per_tok) write("per_tok", &SequenceEmbedding::per_tok);
}

void EmbeddingFile::append(const std::vector<std::string>& ids,
                           const std::vector<SequenceEmbedding>& embeddings,
                           const std::vector<std::int64_t>& record_index,
                           const std::vector<std::int64_t>& original_lengths) {
    const EmbedContent& c = layout_.content;
    writer_.append("ids", ids);
    writer_.append("record_index", record_index.data(), record_index.size());
    writer_.append("original_lengths", original_lengths.data(), original_lengths.size());
    std::vector<std::int64_t> lengths, offsets, contact_offsets;
    for (const auto& s : embeddings) {
        lengths.push_back(s.residues);
        residues_end_ += s.residues;
        contacts_end_ += s.residues * s.residues;
        offsets.push_back(residues_end_);
        contact_offsets.push_back(contacts_end_);
    }
    writer_.append("lengths", lengths.data(), lengths.size());
    if (c.per_tok || c.logits) writer_.append("offsets", offsets.data(), offsets.size());
    if (c.needs_representations()) {
        // The last layer's /layers/<k>/ names are links to the top level.
        for (std::size_t li = 0; li + 1 < c.layers.size(); ++li)
            append_layer(li, layer_prefix(c, li), embeddings);
        append_layer(c.layers.size() - 1, "", embeddings);
    }
    std::vector<float> buf;
    if (c.logits) {
        for (const auto& s : embeddings)
            buf.insert(buf.end(), s.logits.begin(), s.logits.end());
        writer_.append("logits", buf.data(), buf.size() / layout_.vocab_size);
    }
    if (c.contacts) {
        buf.clear();
        for (const auto& s : embeddings)
            buf.insert(buf.end(), s.contacts.begin(), s.contacts.end());
        writer_.append("contacts", buf.data(), buf.size());
        writer_.append("contact_offsets", contact_offsets.data(), contact_offsets.size());
    }
    sequences_ += ids.size();
}

void EmbeddingFile::set_attribute(const std::string& name, const std::string& value) {
    writer_.set_attribute(name, value);
}

void EmbeddingFile::set_attribute(const std::string& name, std::int64_t value) {
    writer_.set_attribute(name, value);
}

void EmbeddingFile::close() {
    writer_.close();
}

}  // namespace plmkit::pipelines
