// A device mesh: the world's ranks laid out on a dp x pp x cp x tp grid, tp fastest (the ranks
// of one tensor-parallel group are neighbours, as on one NVLink node), and for each axis the
// sub-group of the ranks that differ only along it.
//
//   rank = ((dpIndex * pp + ppIndex) * cp + cpIndex) * tp + tpIndex
//
// e.g. 4 ranks as dp 2 x tp 2: tp groups {0, 1} and {2, 3}, dp groups {0, 2} and {1, 3}.

/// This rank's coordinates on the grid and its four sub-groups.
public struct DeviceMesh: Sendable {
    /// Sizes of the axes.
    public let dp: Int, pp: Int, cp: Int, tp: Int
    /// This rank's index along each axis.
    public let dpIndex: Int, ppIndex: Int, cpIndex: Int, tpIndex: Int
    /// The ranks that differ from this one only along that axis (this rank included).
    public let dpGroup: ProcessGroup, ppGroup: ProcessGroup, cpGroup: ProcessGroup, tpGroup: ProcessGroup

    /// Lays `world` out as dp x pp x cp x tp (their product must be its size).
    public init(_ world: ProcessGroup, dp: Int = 1, pp: Int = 1, cp: Int = 1, tp: Int = 1) {
        check(dp * pp * cp * tp == world.worldSize && [dp, pp, cp, tp].allSatisfy { $0 >= 1 },
              "DeviceMesh: dp \(dp) x pp \(pp) x cp \(cp) x tp \(tp) does not make a world of \(world.worldSize)")
        (self.dp, self.pp, self.cp, self.tp) = (dp, pp, cp, tp)
        let sizes = [dp, pp, cp, tp]
        func coordinates(_ r: Int) -> [Int] { [r / (pp * cp * tp), r / (cp * tp) % pp, r / tp % cp, r % tp] }
        func rankAt(_ c: [Int]) -> Int { ((c[0] * pp + c[1]) * cp + c[2]) * tp + c[3] }
        let mine = coordinates(world.rank)
        (dpIndex, ppIndex, cpIndex, tpIndex) = (mine[0], mine[1], mine[2], mine[3])
        func group(_ axis: Int, _ name: String) -> ProcessGroup {
            let ranks = (0..<sizes[axis]).map { i in
                var c = mine
                c[axis] = i
                return rankAt(c)
            }
            return world.subgroup(ranks, name: name)
        }
        (dpGroup, ppGroup, cpGroup, tpGroup) = (group(0, "dp"), group(1, "pp"), group(2, "cp"), group(3, "tp"))
    }
}
