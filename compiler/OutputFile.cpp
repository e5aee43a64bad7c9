//===- OutputFile.cpp - output files that are complete or absent ----------===//

#include "compiler/OutputFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

namespace seqc {
namespace {
void error(const llvm::Twine &message) {
  llvm::errs() << "seqc: error: " << message << "\n";
}
} // namespace

AtomicOutput::~AtomicOutput() {
  if (!tempPath.empty() && (!committed || writeThrough))
    llvm::sys::fs::remove(tempPath);
}

bool AtomicOutput::create() {
  llvm::sys::fs::file_status status;
  bool exists = !llvm::sys::fs::status(path, status, /*follow=*/false);
  if (exists) {
    switch (status.type()) {
    case llvm::sys::fs::file_type::regular_file:
    case llvm::sys::fs::file_type::symlink_file:
      break;
    case llvm::sys::fs::file_type::directory_file:
      error("cannot write '" + path + "': it is a directory");
      return false;
    default:
      writeThrough = true;
    }
  }
  int fd;
  llvm::SmallString<256> temp;
  std::error_code ec;
  if (writeThrough) {
    ec = llvm::sys::fs::createTemporaryFile("seqc-output", "tmp", fd, temp);
  } else {
    llvm::SmallString<256> model(path);
    model += ".tmp-%%%%%%";
    ec = llvm::sys::fs::createUniqueFile(model, fd, temp);
  }
  if (ec) {
    error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  tempPath = std::string(temp);
  return true;
}

bool AtomicOutput::commit() {
  if (writeThrough)
    return copyToDevice();
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path)) {
    error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  committed = true;
  return true;
}

/// Streams the finished temporary file into the device or FIFO at `path`
/// (opened without creating or replacing anything).
bool AtomicOutput::copyToDevice() {
  auto contents = llvm::MemoryBuffer::getFile(tempPath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (!contents) {
    error("cannot read back '" + tempPath +
          "': " + contents.getError().message());
    return false;
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::CD_OpenExisting);
  if (!ec) {
    os << (*contents)->getBuffer();
    os.close();
    ec = os.error();
  }
  if (ec) {
    os.clear_error();
    error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  committed = true;
  return true;
}

bool writeOutputFile(const std::string &path,
                     llvm::function_ref<void(llvm::raw_ostream &)> write) {
  if (path == "-") {
    write(llvm::outs());
    return true;
  }
  AtomicOutput out(path);
  if (!out.create())
    return false;
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(out.temp(), ec);
    if (ec) {
      error("cannot write '" + path + "': " + ec.message());
      return false;
    }
    write(os);
  }
  return out.commit();
}

} // namespace seqc
