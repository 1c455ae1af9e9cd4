import HoistCore

/// Namespace marker for the HoistConfig module.
public enum HoistConfigModule {}
