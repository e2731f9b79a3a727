// Tests for UnmaskModels live in this folder.
