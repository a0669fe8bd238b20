// Tests for PairsmithTokenizer.
