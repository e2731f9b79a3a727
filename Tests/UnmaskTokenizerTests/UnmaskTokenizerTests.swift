// Tests for UnmaskTokenizer live in this folder.
