"""One module per report section; each renders its typed field of `MigrationResult` in both formats."""
