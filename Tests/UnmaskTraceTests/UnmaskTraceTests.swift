// Tests for UnmaskTrace live in this folder.
