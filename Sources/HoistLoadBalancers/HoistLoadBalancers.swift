import HoistCore

/// Namespace marker for the HoistLoadBalancers module.
public enum HoistLoadBalancersModule {}
