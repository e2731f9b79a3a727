// Tests for UnmaskFormats live in this folder.
