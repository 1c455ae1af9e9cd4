import HoistCore

/// Namespace marker for the HoistPlanning module.
public enum HoistPlanningModule {}
