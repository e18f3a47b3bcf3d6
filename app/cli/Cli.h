// The subcommands of llmlab-cli, each taking the arguments after its name.
#pragma once

#include <string>
#include <vector>

namespace llmlab::cli {

using Args = std::vector<std::string>;

int devices(const Args& args);
int bench(const Args& args);
int check(const Args& args);
int train(const Args& args);
int trainLm(const Args& args);
int compare(const Args& args);
int tokenize(const Args& args);
int run(const Args& args);
int inspect(const Args& args);
int models(const Args& args);
int landscape(const Args& args);
int landscapeMerge(const Args& args);
int sweep(const Args& args);
int cost(const Args& args);
int quantize(const Args& args);
int quantCompare(const Args& args);
int attribute(const Args& args);
int patch(const Args& args);
int finetune(const Args& args);
int benchFinetune(const Args& args);
/// `bench landscape`: grid points per second of the toy model.
int benchLandscape(const Args& args);

/// Throws std::invalid_argument with one sentence for an option `command` does not take, a
/// missing value, or a value of the wrong kind (a word where a number goes).
void validateOptions(const std::string& command, const Args& args);

/// The arguments of `command` that are neither options nor their values (by the command's
/// table of options: a flag takes no value).
std::vector<std::string> positionals(const std::string& command, const Args& args);

/// The value after `--name` (or `--name=value`), or `fallback`.
std::string option(const Args& args, const std::string& name, const std::string& fallback = "");
/// True when `--name` is present.
bool flag(const Args& args, const std::string& name);

} // namespace llmlab::cli
