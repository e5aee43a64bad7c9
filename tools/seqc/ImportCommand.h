//===- ImportCommand.h - `seqc import` --------------------------*- C++ -*-===//

#ifndef SEQC_TOOLS_SEQC_IMPORTCOMMAND_H
#define SEQC_TOOLS_SEQC_IMPORTCOMMAND_H

namespace seqc {

/// `seqc import hf DIR -o OUT [--max-positions N] [--max-tokens-per-call N]`
/// with `argv` the arguments after "import"; returns the exit status.
int importCommand(int argc, char **argv);

} // namespace seqc

#endif // SEQC_TOOLS_SEQC_IMPORTCOMMAND_H
