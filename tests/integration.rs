//! parlab end to end, through the real binary: one test target, so `cargo test` builds and
//! links the crate's tests once, not once per file (ripgrep's layout). Each module is the file
//! or folder of the same name beside this one; all of them start parlab through [`common`].
//!
//! Run one module's tests with a filter: `cargo test --test integration cli::`.
//!
//! - `cli`: `parlab run` and `parlab list`, the table and JSON snapshots;
//! - `cluster`: the `cluster` approach on localhost, and its hosts; `cluster_hostile`: strangers
//!   on its sockets; `cluster_netns`: across two network namespaces (as root);
//! - `command`: `--command`, a shell command per task;
//! - `ecosystem`: the JSON as other tools read it, help, man page, completions, `--quiet`;
//! - `gantt`: `--timeline-term`, the text Gantt (snapshots);
//! - `html_report`: `--html` rendered in headless Chromium;
//! - `interactive`: the interactive mode through a pseudo-terminal;
//! - `load`: the machine's load in the JSON, and the busy machine's notes;
//! - `net`: `net` work against parlab's own local server;
//! - `outputs`: every output path checked before anything is measured;
//! - `processes`: the process approaches when workers die, on signals, and a worker's stdin;
//! - `py_func`: `--py-func`, the user's own Python function under every py-* approach;
//!   `py_func_signals`: Ctrl-C while its module is imported and while it runs;
//! - `python`: the Python approaches with the real `python3`, and the driver's own tests;
//! - `timeline`, `trace`: `--timeline` and `--trace` files;
//! - `hardening`: hostile invocations, each under a timeout, nothing left behind;
//! - `rigor`: repetitions, statistics, exports, `--compare` and `sweep` (snapshots);
//! - `seeing`: progress, the bar chart, SVG/PNG charts and `parlab demos` (snapshots).
//!
//! Tests run on several threads in this one process: a test finds what it started by the pid
//! of the parlab it started (or a tag in its environment), never by this process's children.

mod common;

mod cli;
mod cluster;
mod cluster_hostile;
mod cluster_netns;
mod command;
mod ecosystem;
mod floor;
mod gantt;
mod hardening;
mod html_report;
mod interactive;
mod load;
mod net;
mod outputs;
mod processes;
mod py_func;
mod py_func_signals;
mod python;
mod rigor;
mod seeing;
mod timeline;
mod trace;
