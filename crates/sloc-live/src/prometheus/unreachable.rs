use sloc_diagnostics::declare_code;

declare_code! {
    /// ## What it does
    /// Reports, with `sloc check --allow-unreachable`, a server that could not be reached or
    /// refused the request. Without the flag, such a server is an error with exit code 2.
    ///
    /// ## Why it matters
    /// Nothing was compared: the files may or may not match what runs.
    ///
    /// ## Fix
    /// Check the URL, the network path and the credentials named in the message.
    pub CODE = ("C011", "unreachable", Warning, "the server could not be asked");
}
