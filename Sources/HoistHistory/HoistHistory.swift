import HoistCore

/// Namespace marker for the HoistHistory module.
public enum HoistHistoryModule {}
