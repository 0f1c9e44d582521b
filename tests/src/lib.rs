//! Integration tests: guest programs run under the xlat binaries
