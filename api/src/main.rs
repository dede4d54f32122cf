//! The `masthead` binary.

fn main() -> std::process::ExitCode {
    masthead::cli::main()
}
