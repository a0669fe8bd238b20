// Tests for PairsmithEngine.
