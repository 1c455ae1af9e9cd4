import HoistCore

/// Namespace marker for the HoistSSH module.
public enum HoistSSHModule {}
