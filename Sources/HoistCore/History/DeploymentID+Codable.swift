/// A deployment id travels in JSON and history files as its plain string (`"d-AB12CD34E"`),
/// not as an object, so `hoist list --json | jq '.[].id'` reads naturally.
extension DeploymentID {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = DeploymentID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a deployment id (d- and nine upper-case letters or digits)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
