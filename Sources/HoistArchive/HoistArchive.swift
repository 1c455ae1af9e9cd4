import HoistCore

/// Namespace marker for the HoistArchive module.
public enum HoistArchiveModule {}
