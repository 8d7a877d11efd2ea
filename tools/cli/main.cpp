// constnet: the command-line face of the library. Every command works on a network of the model zoo,
// compiled in; `constnet --help` lists the commands and `constnet COMMAND --help` explains one.
//
// Exit status: 0 on success, 1 when the input was bad (a file, an image, a name: the message says
// which), 2 on a usage error.

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "constnet/core/errors.hpp"
#include "explain_commands.hpp"
#include "inspect_commands.hpp"
#include "run_commands.hpp"
#include "zoo_parts.hpp"

CONSTNET_CLI_SEPARATE_NETWORKS(CONSTNET_CLI_EXTERN)

namespace {

std::vector<constnet::cli::command> all_commands() {
  using namespace constnet::cli;
  return {models_command(), summary_command(), predict_command(), features_command(), filters_command(),
          maximize_command(), receptive_field_command()};
}

void print_overview(const std::vector<constnet::cli::command>& commands) {
  std::printf("usage: constnet COMMAND [ARGS...]\n\nCNN inference and inspection for the networks of constnet's model zoo.\n\ncommands:\n");
  for (const auto& c : commands)
    std::printf("  %-16s %s\n", std::string(c.spec.name).c_str(), std::string(c.spec.summary).c_str());
  std::printf("\n`constnet COMMAND --help` describes a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  const auto commands = all_commands();
  const std::vector<std::string_view> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    print_overview(commands);
    return words.empty() ? 2 : 0;
  }
  const constnet::cli::command* chosen = nullptr;
  for (const auto& c : commands)
    if (c.spec.name == words[0]) chosen = &c;
  if (chosen == nullptr) {
    std::string_view closest = commands.front().spec.name;
    for (const auto& c : commands)
      if (constnet::detail::edit_distance(c.spec.name, words[0]) < constnet::detail::edit_distance(closest, words[0]))
        closest = c.spec.name;
    std::fprintf(stderr, "constnet: unknown command '%s'; did you mean '%s'? (constnet --help lists them)\n",
                 std::string(words[0]).c_str(), std::string(closest).c_str());
    return 2;
  }
  const std::span<const std::string_view> rest(words.begin() + 1, words.end());
  for (std::string_view w : rest)
    if (w == "--help" || w == "-h") {
      std::fputs(constnet::cli::help_text(chosen->spec).c_str(), stdout);
      return 0;
    }
  try {
    return chosen->run(constnet::cli::parse(chosen->spec, rest));
  } catch (const constnet::cli::usage_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const constnet::error& e) {
    std::fprintf(stderr, "constnet %s: %s\n", std::string(chosen->spec.name).c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "constnet %s: out of memory\n", std::string(chosen->spec.name).c_str());
    return 1;
  }
}
