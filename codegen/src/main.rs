//! `deepshi-codegen`: the generator as an installed command (`cargo install --path codegen`).
//! The flags, messages and exit status are those of `cargo xtask codegen`: see
//! [`codegen::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                eprintln!(
                    "error: the argument {} is not UTF-8, which the generator needs for the paths it writes into the crate",
                    arg.to_string_lossy()
                );
                return ExitCode::from(2);
            }
        }
    }
    codegen::cli::run(&codegen::cli::Program::installed(), &args)
}
