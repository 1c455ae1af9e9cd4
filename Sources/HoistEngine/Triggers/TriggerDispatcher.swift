import Foundation
import HoistCore

/// Tells a playbook's triggers about a deployment's events. As an observer it never blocks
/// the deployment: each notice is queued for its triggers, and each trigger delivers its
/// notices in order on a task of its own, retrying with backoff (`RetryPolicy`). Each
/// delivery's outcome goes to `record` (the history).
///
/// `drain()` at the end waits for what is still queued, at most each trigger's `timeout`,
/// then gives the rest up and records them Failed: a dead receiver never holds a deployment
/// back longer than its timeout.
///
/// An automatic rollback's dispatcher comes `after` the failed deployment's: each trigger
/// delivers the rollback's notices only once the failed deployment's are delivered (or given
/// up), so a slow receiver heard the rollback succeed and then the deployment fail.
public final class TriggerDispatcher: DeploymentObserver, @unchecked Sendable {
    struct Job: Sendable {
        var seq: Int
        var request: TriggerRequest
        var host: String?
        var time: Date
    }

    private struct Queue {
        var continuation: AsyncStream<Job>.Continuation
        var worker: Task<Void, Never>
        var pending: [Job] = []
    }

    private struct State {
        var tracker: TriggerTracker
        var queues: [String: Queue] = [:]
        var nextSeq = 0
        var closed = false
    }

    public let triggers: [TriggerSpec]
    private let deploymentID: DeploymentID
    private let transport: any TriggerTransport
    private let policy: RetryPolicy
    private let record: @Sendable (DeliveryRecord) -> Void
    private let state: Locked<State>

    public init(deploymentID: DeploymentID, application: String, deploymentGroup: String, triggers: [TriggerSpec],
                transport: any TriggerTransport, policy: RetryPolicy = .standard,
                now: @escaping @Sendable () -> Date = { Date() }, after predecessor: TriggerDispatcher? = nil,
                record: @escaping @Sendable (DeliveryRecord) -> Void) {
        self.triggers = triggers
        self.deploymentID = deploymentID
        self.transport = transport
        self.policy = policy
        self.record = record
        state = Locked(State(tracker: TriggerTracker(deploymentID: deploymentID.rawValue, application: application,
                                                    deploymentGroup: deploymentGroup, now: now)))
        for trigger in triggers {
            let (stream, continuation) = AsyncStream.makeStream(of: Job.self)
            let before = predecessor?.worker(of: trigger.name)
            let worker = Task { [weak self] in
                if let before {
                    // Given up with ours when our drain's timeout passes.
                    await withTaskCancellationHandler { await before.value } onCancel: { before.cancel() }
                }
                for await job in stream {
                    guard let self else { return }
                    await self.deliver(job)
                }
            }
            state.withLock { $0.queues[trigger.name] = Queue(continuation: continuation, worker: worker) }
        }
    }

    public func handle(_ event: DeploymentEvent) {
        guard !triggers.isEmpty else { return }
        state.withLock { s in
            guard !s.closed else { return }
            for notice in s.tracker.consume(event) {
                for trigger in triggers where trigger.events.contains(notice.event) {
                    let job = Job(seq: s.nextSeq, request: Self.request(trigger, notice), host: notice.instance?.host, time: notice.time)
                    s.nextSeq += 1
                    s.queues[trigger.name]?.pending.append(job)
                    s.queues[trigger.name]?.continuation.yield(job)
                }
            }
        }
    }

    private func worker(of trigger: String) -> Task<Void, Never>? {
        state.withLock { $0.queues[trigger]?.worker }
    }

    /// Takes no more events: what is queued is still delivered, and a dispatcher `after` this
    /// one starts delivering once it is.
    public func close() {
        state.withLock { s in
            s.closed = true
            s.queues.values.forEach { $0.continuation.finish() }
        }
    }

    /// Waits for queued deliveries, each trigger at most its `timeout`; records what is left
    /// undelivered as Failed. Events after this are not delivered.
    public func drain() async {
        close()
        let queues = state.withLock { $0.queues }
        await withTaskGroup(of: Void.self) { group in
            for trigger in triggers {
                guard let worker = queues[trigger.name]?.worker else { continue }
                let limit = trigger.timeoutSeconds
                group.addTask {
                    let timer = Task {
                        try? await Task.sleep(nanoseconds: UInt64(limit * 1_000_000_000))
                        if !Task.isCancelled { worker.cancel() }
                    }
                    await worker.value
                    timer.cancel()
                }
            }
        }
        let abandoned = state.withLock { s in s.queues.values.flatMap(\.pending).sorted { $0.seq < $1.seq } }
        for job in abandoned {
            finish(job, delivered: false, attempts: 0, error: "not delivered: the deployment ended and the trigger's timeout passed")
        }
    }

    private func deliver(_ job: Job) async {
        var attempt = 0
        var lastError = ""
        while true {
            // Given up by `drain`: the job stays pending and is recorded as not delivered.
            if Task.isCancelled { break }
            attempt += 1
            do {
                try await transport.deliver(job.request)
                finish(job, delivered: true, attempts: attempt, error: nil)
                return
            } catch {
                lastError = "\(error)"
            }
            guard !Task.isCancelled, let delay = policy.delay(afterAttempt: attempt) else { break }
            try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
        guard attempt > 0 else { return }
        let cut = Task.isCancelled ? " (given up: the deployment ended and the trigger's timeout passed)" : ""
        finish(job, delivered: false, attempts: attempt, error: lastError + cut)
    }

    private func finish(_ job: Job, delivered: Bool, attempts: Int, error: String?) {
        let removed = state.withLock { s -> Bool in
            guard let index = s.queues[job.request.trigger.name]?.pending.firstIndex(where: { $0.seq == job.seq }) else { return false }
            s.queues[job.request.trigger.name]?.pending.remove(at: index)
            return true
        }
        guard removed else { return }
        record(DeliveryRecord(
            deploymentID: deploymentID, trigger: job.request.trigger.name, event: job.request.event, host: job.host,
            target: job.request.trigger.destination, status: delivered ? .delivered : .failed, attempts: attempts,
            error: error, eventTime: job.time, endTime: Date()))
    }

    /// The body and environment one trigger gets for one notice.
    static func request(_ trigger: TriggerSpec, _ notice: TriggerNotice) -> TriggerRequest {
        let codedeploy = notice.instance.map { TriggerPayload.instance(trigger: trigger.name, $0) }
            ?? TriggerPayload.deployment(trigger: trigger.name, notice.deployment)
        let body: String
        switch trigger.target {
        case .webhook(_, .slack, _): body = TriggerPayload.slack(event: notice.event, notice.deployment, instance: notice.instance)
        default: body = codedeploy
        }
        var environment = [
            "HOIST_TRIGGER": trigger.name, "HOIST_EVENT": notice.event.rawValue,
            "HOIST_DEPLOYMENT_ID": notice.deployment.deploymentID, "HOIST_APPLICATION": notice.deployment.application,
            "HOIST_DEPLOYMENT_GROUP": notice.deployment.deploymentGroup,
            "HOIST_STATUS": notice.instance?.status.rawValue ?? notice.deployment.status,
        ]
        if let host = notice.instance?.host { environment["HOIST_HOST"] = host }
        if let code = notice.deployment.errorCode, notice.instance == nil { environment["HOIST_ERROR_CODE"] = code }
        return TriggerRequest(trigger: trigger, event: notice.event, body: body, environment: environment)
    }
}
