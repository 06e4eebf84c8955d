# Helpers shared by the scripts. Source it; do not run it.

# Prints a step heading.
step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

# Prints a warning.
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }

# Exits with an error.
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command and prints how long it took.
timed() {
  local start=$SECONDS
  "$@"
  printf '    (%s: %ds)\n' "$1${2:+ $2}" "$((SECONDS - start))" >&2
}

# Node's tools (tailwindcss, wasm-opt, playwright) and the tools installed by setup come first on PATH.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
