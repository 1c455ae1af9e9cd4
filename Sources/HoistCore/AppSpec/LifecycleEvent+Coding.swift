/// Lets `[LifecycleEvent: [HookScript]]` encode as a JSON object keyed by event name
/// (`{"AfterInstall": [...]}`) rather than as an array of pairs.
extension LifecycleEvent: CodingKeyRepresentable {}
