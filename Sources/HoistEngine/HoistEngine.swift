import HoistCore

/// Namespace marker for the HoistEngine module.
public enum HoistEngineModule {}
