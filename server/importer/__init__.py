"""`usagehouse import`: copy a dataset from any WAE-compatible SQL API (Cloudflare's or another
Usagehouse) into a Usagehouse server, window by window, keeping each row's timestamp and
`_sample_interval`. `source` reads rows, `job` is what to copy and the resumable state file,
`run` the loop, `cli` the subcommand."""
