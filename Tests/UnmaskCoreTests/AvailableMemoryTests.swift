import Foundation
import Testing
import UnmaskCore

/// What the automatic residency weighs a decoded model against: `MemAvailable` read from
/// `/proc/meminfo` text, a cgroup v2 or v1 limit's room, and the figure on this machine.
@Suite struct AvailableMemoryTests {
  @Test func memAvailableIsReadInBytes() {
    let text = """
      MemTotal:       24570092 kB
      MemFree:         1233460 kB
      MemAvailable:   19012345 kB
      Buffers:          123456 kB
      """
    #expect(AvailableMemory.memAvailable(inMeminfo: text) == 19_012_345 * 1024)
    #expect(AvailableMemory.memAvailable(inMeminfo: "MemTotal: 1 kB\nMemFree: 2 kB") == nil)
    #expect(AvailableMemory.memAvailable(inMeminfo: "MemAvailable: many kB") == nil)
  }

  @Test func aCgroupLimitLeavesItsRoom() {
    #expect(AvailableMemory.cgroupRoom(max: "8589934592\n", current: "1073741824\n") == 7 << 30)
    #expect(AvailableMemory.cgroupRoom(max: "max\n", current: "1073741824\n") == nil)
    #expect(AvailableMemory.cgroupRoom(max: "1024", current: "4096") == 0)
    // cgroup v1 writes "no limit" as a page-aligned number near 2^63; the physical memory bounds it.
    let unlimitedV1 = AvailableMemory.cgroupRoom(max: "9223372036854771712\n", current: "4096\n")
    #expect(unlimitedV1 == 9_223_372_036_854_771_712 - 4096)
  }

  @Test func thisMachinesFigureIsWithinItsMemory() {
    let available = AvailableMemory.bytes
    print(
      "available memory: \(available >> 20) MiB of \(ProcessInfo.processInfo.physicalMemory >> 20)")
    #expect(available > 0 && available <= ProcessInfo.processInfo.physicalMemory)
  }
}
