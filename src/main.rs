//! The `accessc` binary.

/// A compile allocates many small strings and maps (glibc's malloc and free were ~30% of a
/// 10,000-app compile); mimalloc is faster at that and returns memory in a fragmentation-free way.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    accessc::cli::main()
}
