extension String {
    /// The text in at most `width` characters: whole when it fits, else cut where a word
    /// ends, with `…` where it was cut. A cut mid-word (`transport rea…`) reads as another
    /// word; only when no space leaves at least half the room (a long path, a URL) is the
    /// word itself cut.
    func shortened(to width: Int) -> String {
        guard count > width, !isEmpty else { return self }
        let room = Substring(prefix(max(width - 1, 1)))
        var kept = room
        if let space = room.lastIndex(of: " "), room.distance(from: room.startIndex, to: space) >= room.count / 2 {
            kept = room[..<space]
            // `location: …`, not `location:…`: nothing dangles before the ellipsis.
            while let last = kept.last, last == " " || last == ":" || last == "," || last == ";" { kept.removeLast() }
        }
        return kept + "…"
    }
}
