// Tests for Unmask live in this folder.
