import Foundation
import Synchronization

/// Starts a thread that opens a device and then owns it for good: the device (fd, PCM, mmap'd
/// buffers) is made on that thread and never leaves it, so none of its state is shared. The opener's
/// result — a description, or the error to show as one line — comes back before `start` returns,
/// while the terminal is still in its normal state; then the owner object is built and handed to
/// the thread, which runs with it.
enum DeviceThread {
    static func start<Device, Info: Sendable, Owner: Sendable>(
        name: String,
        open: @escaping @Sendable () throws(DeviceError) -> (Device, Info),
        owner makeOwner: (Info) -> Owner,
        run: @escaping @Sendable (Owner, Device) -> Void
    ) throws(DeviceError) -> Owner {
        let opened = Mutex<Result<Info, DeviceError>?>(nil)
        let ready = DispatchSemaphore(value: 0), handedOver = DispatchSemaphore(value: 0)
        let holder = Mutex<Owner?>(nil)
        let thread = Thread {
            let device: Device
            do throws(DeviceError) {
                let (made, info) = try open()
                device = made
                opened.withLock { $0 = .success(info) }
            } catch {
                opened.withLock { $0 = .failure(error) }
                ready.signal()
                return
            }
            ready.signal()
            handedOver.wait() // until the owner exists
            run(holder.withLock { $0! }, device)
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        ready.wait()
        switch opened.withLock({ $0 })! {
        case let .failure(error):
            throw error
        case let .success(info):
            let owner = makeOwner(info)
            holder.withLock { $0 = owner }
            handedOver.signal()
            return owner
        }
    }
}
