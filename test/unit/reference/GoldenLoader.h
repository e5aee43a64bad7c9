//===- GoldenLoader.h - reads the seq-op golden cases
//----------------------===//
//
// The goldens written by tools/goldens/make_op_goldens.py: one folder per
// case holding `case.txt` and uncompressed .npy files.
//
//   case.txt, one entry per line (first word says what):
//     op <op name>
//     attr <name> <value> [<value>...]   (unit attributes are "1")
//     input <name>                       -> <name>.npy
//     output <name>                      -> expected_<name>.npy
//
//   .npy: format versions 1-3, C order, '<f4' (float32) or '<i8' (int64).
//
// Header-only, no exceptions: failures come back as an error string.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_UNIT_REFERENCE_GOLDENLOADER_H
#define SEQC_TEST_UNIT_REFERENCE_GOLDENLOADER_H

#include "test/e2e/reference/SeqReference.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace seqref {
namespace golden {

/// Raw contents of one .npy file.
struct NpyArray {
  std::vector<int64_t> shape;
  std::string descr; // "<f4" or "<i8"
  std::vector<char> bytes;
};

inline bool readFile(const std::string &path, std::vector<char> &out,
                     std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in),
             std::istreambuf_iterator<char>());
  return true;
}

/// The value of `'key': value` in an npy header dict, as text.
inline bool npyHeaderField(const std::string &header, const std::string &key,
                           std::string &value) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return false;
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return false;
  size_t end;
  if (header[start] == '(')
    end = header.find(')', start) + 1;
  else if (header[start] == '\'')
    end = header.find('\'', start + 1) + 1;
  else
    end = header.find_first_of(",}", start);
  if (end == std::string::npos || end == 0)
    return false;
  value = header.substr(start, end - start);
  return true;
}

inline bool loadNpy(const std::string &path, NpyArray &array,
                    std::string &error) {
  std::vector<char> file;
  if (!readFile(path, file, error))
    return false;
  auto bad = [&](const std::string &why) {
    error = path + ": " + why;
    return false;
  };
  if (file.size() < 10 || std::memcmp(file.data(), "\x93NUMPY", 6) != 0)
    return bad("not an .npy file");
  unsigned major = static_cast<unsigned char>(file[6]);
  size_t headerLen, offset;
  auto byteAt = [&](size_t i) {
    return static_cast<size_t>(static_cast<unsigned char>(file[i]));
  };
  if (major == 1) {
    headerLen = byteAt(8) | (byteAt(9) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (file.size() < 12)
      return bad("truncated header");
    headerLen =
        byteAt(8) | (byteAt(9) << 8) | (byteAt(10) << 16) | (byteAt(11) << 24);
    offset = 12;
  } else {
    return bad("unsupported .npy version " + std::to_string(major));
  }
  if (file.size() < offset + headerLen)
    return bad("truncated header");
  std::string header(file.data() + offset, headerLen);
  std::string descr, fortran, shape;
  if (!npyHeaderField(header, "descr", descr) ||
      !npyHeaderField(header, "fortran_order", fortran) ||
      !npyHeaderField(header, "shape", shape))
    return bad("malformed header: " + header);
  if (fortran != "False")
    return bad("Fortran-order arrays are not supported");
  array.descr = descr.substr(1, descr.size() - 2);
  if (array.descr != "<f4" && array.descr != "<i8")
    return bad("unsupported dtype " + descr + " (want '<f4' or '<i8')");
  array.shape.clear();
  std::string dims = shape.substr(1, shape.size() - 2);
  std::replace(dims.begin(), dims.end(), ',', ' ');
  std::istringstream ds(dims);
  int64_t d;
  while (ds >> d)
    array.shape.push_back(d);
  size_t elements = 1;
  for (int64_t dim : array.shape)
    elements *= static_cast<size_t>(dim);
  size_t want = elements * (array.descr == "<f4" ? 4 : 8);
  size_t dataStart = offset + headerLen;
  if (file.size() - dataStart != want)
    return bad("expected " + std::to_string(want) + " data bytes, found " +
               std::to_string(file.size() - dataStart));
  array.bytes.assign(file.begin() + static_cast<std::ptrdiff_t>(dataStart),
                     file.end());
  return true;
}

inline bool hostIsLittleEndian() {
  uint16_t probe = 1;
  unsigned char first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

inline bool loadTensor(const std::string &path, Tensor &tensor,
                       std::string &error) {
  NpyArray a;
  if (!loadNpy(path, a, error))
    return false;
  if (a.descr != "<f4" || !hostIsLittleEndian()) {
    error =
        path + ": expected little-endian float32 data on a little-endian host";
    return false;
  }
  std::vector<float> data(a.bytes.size() / 4);
  if (!data.empty())
    std::memcpy(data.data(), a.bytes.data(), a.bytes.size());
  tensor = Tensor(a.shape, std::move(data));
  return true;
}

inline bool loadIntTensor(const std::string &path, IntTensor &tensor,
                          std::string &error) {
  NpyArray a;
  if (!loadNpy(path, a, error))
    return false;
  if (a.descr != "<i8" || !hostIsLittleEndian()) {
    error =
        path + ": expected little-endian int64 data on a little-endian host";
    return false;
  }
  std::vector<int64_t> data(a.bytes.size() / 8);
  if (!data.empty())
    std::memcpy(data.data(), a.bytes.data(), a.bytes.size());
  tensor = IntTensor(a.shape, std::move(data));
  return true;
}

/// One golden case: its manifest, plus which attributes were read, so a
/// runner can insist that it understood all of them.
struct Case {
  std::string name; // folder name, "<op>_<case>"
  std::string dir;
  std::string op;
  std::map<std::string, std::vector<std::string>> attrs;
  std::vector<std::string> inputs, outputs;
  mutable std::set<std::string> usedAttrs;

  bool has(const std::string &attr) const {
    usedAttrs.insert(attr);
    return attrs.count(attr) != 0;
  }
  const std::vector<std::string> &values(const std::string &attr) const {
    usedAttrs.insert(attr);
    static const std::vector<std::string> none;
    auto it = attrs.find(attr);
    return it == attrs.end() ? none : it->second;
  }
  std::string str(const std::string &attr) const {
    const auto &v = values(attr);
    return v.empty() ? std::string() : v[0];
  }
  int64_t i64(const std::string &attr) const {
    return std::strtoll(str(attr).c_str(), nullptr, 10);
  }
  double f64(const std::string &attr) const {
    return std::strtod(str(attr).c_str(), nullptr);
  }
  std::vector<int64_t> i64s(const std::string &attr) const {
    std::vector<int64_t> out;
    for (const std::string &s : values(attr))
      out.push_back(std::strtoll(s.c_str(), nullptr, 10));
    return out;
  }
  std::vector<double> f64s(const std::string &attr) const {
    std::vector<double> out;
    for (const std::string &s : values(attr))
      out.push_back(std::strtod(s.c_str(), nullptr));
    return out;
  }
  bool isInput(const std::string &name) const {
    return std::find(inputs.begin(), inputs.end(), name) != inputs.end();
  }
  std::string inputPath(const std::string &name) const {
    return dir + "/" + name + ".npy";
  }
  std::string expectedPath(const std::string &name) const {
    return dir + "/expected_" + name + ".npy";
  }
  /// Attributes present in case.txt that no one asked about.
  std::vector<std::string> unusedAttrs() const {
    std::vector<std::string> out;
    for (const auto &kv : attrs)
      if (!usedAttrs.count(kv.first))
        out.push_back(kv.first);
    return out;
  }
};

inline bool loadCase(const std::string &dir, Case &c, std::string &error) {
  std::ifstream in(dir + "/case.txt");
  if (!in) {
    error = "cannot open " + dir + "/case.txt";
    return false;
  }
  c = Case();
  c.dir = dir;
  c.name = std::filesystem::path(dir).filename().string();
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string kind, name;
    if (!(ls >> kind))
      continue;
    if (kind == "op") {
      ls >> c.op;
    } else if (kind == "attr") {
      ls >> name;
      std::vector<std::string> vals;
      std::string v;
      while (ls >> v)
        vals.push_back(v);
      c.attrs[name] = vals;
    } else if (kind == "input") {
      ls >> name;
      c.inputs.push_back(name);
    } else if (kind == "output") {
      ls >> name;
      c.outputs.push_back(name);
    } else {
      error = dir + "/case.txt: unknown entry '" + kind + "'";
      return false;
    }
  }
  if (c.op.empty()) {
    error = dir + "/case.txt: no 'op' line";
    return false;
  }
  return true;
}

/// Names of the case folders under `root`, sorted; empty if `root` is absent.
inline std::vector<std::string> listCases(const std::string &root) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    return names;
  for (const auto &entry : std::filesystem::directory_iterator(root, ec))
    if (entry.is_directory() &&
        std::filesystem::exists(entry.path() / "case.txt"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace golden
} // namespace seqref

#endif // SEQC_TEST_UNIT_REFERENCE_GOLDENLOADER_H
