// Tests for PairsmithEndpoints.
