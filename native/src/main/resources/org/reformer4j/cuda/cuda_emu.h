// cuda_emu.h - the CUDA built-ins for a host C++20 compiler, so that a .cu kernel file compiles with
// `g++ -O2 -shared -fPIC` and runs on the CPU (the reformer4j CUDA emulator; a test device, not a fast path).
// Execution model: each block runs on one OS thread, its CUDA threads as ucontext fibers that switch only at
// __syncthreads and at warp collectives (shuffles, votes, __syncwarp); the blocks of a grid are spread over a
// small pool of OS threads. __shared__ is thread_local static storage (one block per OS thread at a time),
// dynamic shared memory comes through DYNAMIC_SHARED, float/int atomics go through std::atomic_ref.
// Entry points: R4J_EMU_EXPORT(kernel) defines `int kernel__r4j_emu(const Launch*, void** args, char*, int)`,
// whose args array is laid out exactly like cuLaunchKernel's kernelParams.
#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <math.h>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <type_traits>
#include <ucontext.h>
#include <utility>
#include <vector>

// ---- vector types and launch geometry -------------------------------------------------------------------
struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

// ---- qualifiers ------------------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
#define __shared__ thread_local static
constexpr int warpSize = 32;

namespace r4j_emu {

// Launch descriptor; the Java side writes the same 8 ints (EmulatedRuntime.launch).
struct Launch { uint32_t grid[3]; uint32_t block[3]; uint32_t shared_bytes; uint32_t workers; };

enum State : int { RUNNABLE, AT_BLOCK_BARRIER, AT_WARP_BARRIER, DONE };

struct Fiber {
    ucontext_t ctx;
    uint3 tid;
    unsigned linear;
    State state;
    unsigned wait_mask;  // lanes named by the warp collective this fiber waits in
    uint64_t value;      // in: the value this lane offers to a collective; out: the value it receives
    int src_lane;        // the lane whose value this lane receives (itself when out of range)
    unsigned vote;       // out: bit l set when waiting lane l offered a non-zero value
};

struct Body { void (*fn)(void*); void* ctx; };

// One per OS worker thread: the block it is running, its fibers, their stacks and its shared memory.
struct Worker {
    static constexpr size_t kStack = 256 * 1024;  // virtual; pages are committed only when touched
    uint3 idx{};
    dim3 bdim, gdim;
    Body body{};
    std::vector<Fiber> fibers;
    std::vector<char*> stacks;
    ucontext_t sched;
    Fiber* cur = nullptr;
    char* dyn_shared = nullptr;
    std::vector<char> dyn_storage;
    const char* error = nullptr;

    ~Worker() { for (char* s : stacks) munmap(s, kStack); }
};

inline thread_local Worker* tls = nullptr;

inline void yield_to_scheduler(State why, unsigned mask) {
    Fiber* f = tls->cur;
    f->state = why;
    f->wait_mask = mask;
    swapcontext(&f->ctx, &tls->sched);
}

inline void fiber_main() {
    Worker* w = tls;
    w->body.fn(w->body.ctx);
    w->cur->state = DONE;  // returning resumes uc_link, the scheduler
}

// Live lanes of warp `wi`: its fibers that exist and have not returned.
inline unsigned live_mask(Worker& w, size_t wi) {
    unsigned m = 0;
    size_t n = w.fibers.size();
    for (unsigned l = 0; l < 32 && wi * 32 + l < n; ++l)
        if (w.fibers[wi * 32 + l].state != DONE) m |= 1u << l;
    return m;
}

// Releases whatever barrier is complete. Returns false when fibers wait but none can go on (a deadlock).
inline bool release_barriers(Worker& w, bool& all_done) {
    size_t n = w.fibers.size(), live = 0, at_block = 0;
    for (Fiber& f : w.fibers) {
        if (f.state == DONE) continue;
        ++live;
        if (f.state == AT_BLOCK_BARRIER) ++at_block;
    }
    all_done = live == 0;
    if (all_done) return true;
    if (at_block == live) {
        for (Fiber& f : w.fibers) if (f.state != DONE) f.state = RUNNABLE;
        return true;
    }
    bool released = false;
    for (size_t wi = 0; wi * 32 < n; ++wi) {
        unsigned waiting = 0, needed = 0, live_lanes = live_mask(w, wi);
        for (unsigned l = 0; l < 32 && wi * 32 + l < n; ++l) {
            Fiber& f = w.fibers[wi * 32 + l];
            if (f.state == AT_WARP_BARRIER) { waiting |= 1u << l; needed |= f.wait_mask; }
        }
        needed &= live_lanes;
        if (waiting != 0 && (needed & ~waiting) == 0) {
            // The exchange happens here, at release, so later collectives cannot overwrite a value unread.
            Fiber* lanes = &w.fibers[wi * 32];
            unsigned vote = 0;
            for (unsigned l = 0; l < 32; ++l)
                if ((waiting >> l) & 1u && lanes[l].value != 0) vote |= 1u << l;
            uint64_t offered[32];
            for (unsigned l = 0; l < 32; ++l) if ((waiting >> l) & 1u) offered[l] = lanes[l].value;
            for (unsigned l = 0; l < 32; ++l) {
                if (!((waiting >> l) & 1u)) continue;
                int src = lanes[l].src_lane;
                if (src >= 0 && src < 32 && ((waiting >> src) & 1u)) lanes[l].value = offered[src];
                lanes[l].vote = vote;
                lanes[l].state = RUNNABLE;
            }
            released = true;
        }
    }
    return released;
}

inline void run_block(Worker& w) {
    size_t n = (size_t) w.bdim.x * w.bdim.y * w.bdim.z;
    w.fibers.resize(n);
    while (w.stacks.size() < n) {
        void* s = mmap(nullptr, Worker::kStack, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (s == MAP_FAILED) { w.error = "mmap of a fiber stack failed"; return; }
        mprotect(s, 4096, PROT_NONE);  // guard page: a stack overflow faults instead of corrupting memory
        w.stacks.push_back(static_cast<char*>(s));
    }
    ucontext_t proto;
    getcontext(&proto);
    for (size_t i = 0; i < n; ++i) {
        Fiber& f = w.fibers[i];
        f.linear = (unsigned) i;
        f.tid = {(unsigned) (i % w.bdim.x), (unsigned) (i / w.bdim.x % w.bdim.y),
                 (unsigned) (i / ((size_t) w.bdim.x * w.bdim.y))};
        f.state = RUNNABLE;
        f.ctx = proto;
        f.ctx.uc_stack.ss_sp = w.stacks[i];
        f.ctx.uc_stack.ss_size = Worker::kStack;
        f.ctx.uc_link = &w.sched;
        makecontext(&f.ctx, fiber_main, 0);
    }
    bool all_done = false;
    while (!all_done && w.error == nullptr) {
        for (Fiber& f : w.fibers) {
            if (f.state != RUNNABLE) continue;
            w.cur = &f;
            swapcontext(&w.sched, &f.ctx);
            if (w.error) return;
        }
        if (!release_barriers(w, all_done))
            w.error = "deadlock: threads wait at __syncthreads while others wait in a warp collective "
                      "(divergent barrier)";
    }
}

inline int fail(char* err, int cap, const std::string& msg) {
    if (err && cap > 0) { std::snprintf(err, (size_t) cap, "%s", msg.c_str()); }
    return 1;
}

inline int run_grid(const Launch& l, Body body, char* err, int cap) {
    uint64_t threads = (uint64_t) l.block[0] * l.block[1] * l.block[2];
    uint64_t blocks = (uint64_t) l.grid[0] * l.grid[1] * l.grid[2];
    if (threads == 0 || threads > 1024 || l.block[2] > 64)
        return fail(err, cap, "invalid block " + std::to_string(l.block[0]) + "x" + std::to_string(l.block[1])
                    + "x" + std::to_string(l.block[2]) + " (1..1024 threads, z <= 64)");
    if (blocks == 0 || l.grid[1] > 65535 || l.grid[2] > 65535)
        return fail(err, cap, "invalid grid " + std::to_string(l.grid[0]) + "x" + std::to_string(l.grid[1])
                    + "x" + std::to_string(l.grid[2]));
    if (l.shared_bytes > 227 * 1024)
        return fail(err, cap, "dynamic shared memory " + std::to_string(l.shared_bytes) + " > 227 KiB");
    std::atomic<uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::string first_error;
    auto work = [&] {
        Worker w;
        tls = &w;
        w.bdim = dim3(l.block[0], l.block[1], l.block[2]);
        w.gdim = dim3(l.grid[0], l.grid[1], l.grid[2]);
        w.body = body;
        w.dyn_storage.assign(l.shared_bytes + 16, (char) 0xA5);  // not zeroed, as on a GPU
        w.dyn_shared = w.dyn_storage.data() + (16 - (uintptr_t) w.dyn_storage.data() % 16) % 16;
        for (uint64_t b; !failed.load() && (b = next.fetch_add(1)) < blocks;) {
            w.idx = {(unsigned) (b % l.grid[0]), (unsigned) (b / l.grid[0] % l.grid[1]),
                     (unsigned) (b / ((uint64_t) l.grid[0] * l.grid[1]))};
            run_block(w);
            if (w.error) {
                std::lock_guard<std::mutex> g(mu);
                if (!failed.exchange(true))
                    first_error = std::string(w.error) + " in block (" + std::to_string(w.idx.x) + ","
                                  + std::to_string(w.idx.y) + "," + std::to_string(w.idx.z) + ")";
            }
        }
        tls = nullptr;
    };
    uint64_t nw = std::max<uint64_t>(1, std::min<uint64_t>(l.workers, blocks));
    std::vector<std::thread> pool;
    for (uint64_t i = 0; i < nw; ++i) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
    return failed ? fail(err, cap, first_error) : 0;
}

template <class... A, size_t... I>
void call_kernel(void (*fn)(A...), void** args, std::index_sequence<I...>) {
    fn(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(args[I])...);
}

template <class... A>
int launch(const Launch* l, void (*fn)(A...), void** args, char* err, int cap) {
    struct Ctx { void (*fn)(A...); void** args; } ctx{fn, args};
    Body body{[](void* c) {
                  Ctx* x = static_cast<Ctx*>(c);
                  call_kernel(x->fn, x->args, std::index_sequence_for<A...>{});
              }, &ctx};
    return run_grid(*l, body, err, cap);
}

// ---- warp collectives: offer a value, wait for the warp; the scheduler hands each lane its source's value
inline unsigned lane_id() { return tls->cur->linear & 31u; }

// Lanes outside the collective's participants (or absent) keep their own value, as CUDA leaves it undefined.
template <class T>
T exchange(unsigned mask, T v, int src_lane) {
    static_assert(sizeof(T) <= 8, "warp exchange of a value wider than 8 bytes");
    Fiber* f = tls->cur;
    f->value = 0;
    std::memcpy(&f->value, &v, sizeof(T));
    f->src_lane = src_lane;
    yield_to_scheduler(AT_WARP_BARRIER, mask | (1u << lane_id()));
    T out;
    std::memcpy(&out, &f->value, sizeof(T));
    return out;
}

// The predicates of the participating lanes, one bit per lane.
inline unsigned ballot(unsigned mask, int pred) {
    exchange<int>(mask, pred ? 1 : 0, -1);
    return tls->cur->vote & mask;
}

}  // namespace r4j_emu

#define threadIdx (::r4j_emu::tls->cur->tid)
#define blockIdx (::r4j_emu::tls->idx)
#define blockDim (::r4j_emu::tls->bdim)
#define gridDim (::r4j_emu::tls->gdim)
#define DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(::r4j_emu::tls->dyn_shared)
#define R4J_EMU_EXPORT(kernel)                                                                   \
    extern "C" int kernel##__r4j_emu(const ::r4j_emu::Launch* l, void** args, char* err, int cap) { \
        return ::r4j_emu::launch(l, &kernel, args, err, cap);                                    \
    }

inline void __syncthreads() { r4j_emu::yield_to_scheduler(r4j_emu::AT_BLOCK_BARRIER, 0); }
inline void __syncwarp(unsigned mask = 0xffffffffu) {
    r4j_emu::yield_to_scheduler(r4j_emu::AT_WARP_BARRIER, mask | (1u << r4j_emu::lane_id()));
}
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_signal_fence(std::memory_order_seq_cst); }
inline void __trap() {
    r4j_emu::tls->error = "__trap() called";
    r4j_emu::yield_to_scheduler(r4j_emu::DONE, 0);
}

template <class T> T __shfl_sync(unsigned mask, T v, int src, int width = warpSize) {
    int lane = (int) r4j_emu::lane_id();
    return r4j_emu::exchange(mask, v, (lane & ~(width - 1)) + (src & (width - 1)));
}
template <class T> T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = warpSize) {
    int lane = (int) r4j_emu::lane_id(), src = lane ^ lane_mask;
    return r4j_emu::exchange(mask, v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane);
}
template <class T> T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
    int lane = (int) r4j_emu::lane_id(), src = lane + (int) delta;
    return r4j_emu::exchange(mask, v, (src & (width - 1)) >= (lane & (width - 1)) && src < ((lane & ~(width - 1)) + width) ? src : lane);
}
template <class T> T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
    int lane = (int) r4j_emu::lane_id(), src = lane - (int) delta;
    return r4j_emu::exchange(mask, v, src >= (lane & ~(width - 1)) ? src : lane);
}
inline unsigned __ballot_sync(unsigned mask, int pred) { return r4j_emu::ballot(mask, pred); }
inline int __any_sync(unsigned mask, int pred) { return r4j_emu::ballot(mask, pred) != 0; }
inline int __all_sync(unsigned mask, int pred) { return r4j_emu::ballot(mask, !pred) == 0; }
inline unsigned __activemask() { return 0xffffffffu; }

// ---- atomics (device-wide: blocks run on several OS threads) -----------------------------------------------
#define R4J_ATOMIC(T)                                                                                    \
    inline T atomicAdd(T* a, T v) { return std::atomic_ref<T>(*a).fetch_add(v); }                     \
    inline T atomicExch(T* a, T v) { return std::atomic_ref<T>(*a).exchange(v); }                     \
    inline T atomicCAS(T* a, T expected, T desired) {                                                 \
        std::atomic_ref<T>(*a).compare_exchange_strong(expected, desired);                            \
        return expected;                                                                              \
    }
R4J_ATOMIC(int)
R4J_ATOMIC(unsigned int)
R4J_ATOMIC(unsigned long long)
#undef R4J_ATOMIC
inline float atomicAdd(float* a, float v) { return std::atomic_ref<float>(*a).fetch_add(v); }
inline double atomicAdd(double* a, double v) { return std::atomic_ref<double>(*a).fetch_add(v); }
inline float atomicExch(float* a, float v) { return std::atomic_ref<float>(*a).exchange(v); }
template <class T> T r4j_atomic_update(T* a, T v, T (*op)(T, T)) {
    std::atomic_ref<T> r(*a);
    T old = r.load();
    while (!r.compare_exchange_weak(old, op(old, v))) {}
    return old;
}
inline int atomicMax(int* a, int v) { return r4j_atomic_update<int>(a, v, [](int x, int y) { return x > y ? x : y; }); }
inline int atomicMin(int* a, int v) { return r4j_atomic_update<int>(a, v, [](int x, int y) { return x < y ? x : y; }); }
inline unsigned atomicMax(unsigned* a, unsigned v) { return r4j_atomic_update<unsigned>(a, v, [](unsigned x, unsigned y) { return x > y ? x : y; }); }
inline unsigned atomicMin(unsigned* a, unsigned v) { return r4j_atomic_update<unsigned>(a, v, [](unsigned x, unsigned y) { return x < y ? x : y; }); }
inline int atomicSub(int* a, int v) { return std::atomic_ref<int>(*a).fetch_sub(v); }
inline int atomicOr(int* a, int v) { return std::atomic_ref<int>(*a).fetch_or(v); }
inline int atomicAnd(int* a, int v) { return std::atomic_ref<int>(*a).fetch_and(v); }

// ---- math intrinsics and bit tricks -----------------------------------------------------------------------
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __powf(float x, float y) { return powf(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline float __uint_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned i; std::memcpy(&i, &f, 4); return i; }
inline int __float2int_rn(float x) { return (int) nearbyintf(x); }
inline int __float2int_rz(float x) { return (int) x; }
inline int __float2int_rd(float x) { return (int) floorf(x); }
inline float __int2float_rn(int x) { return (float) x; }
inline float __uint2float_rn(unsigned x) { return (float) x; }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned) (((unsigned long long) a * b) >> 32); }
inline int __mulhi(int a, int b) { return (int) (((long long) a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long) (((unsigned __int128) a * b) >> 64);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned) x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline unsigned __brev(unsigned x) {
    unsigned r = 0;
    for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
    return r;
}
template <class T> T __ldg(const T* p) { return *p; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }
inline double min(double a, double b) { return fmin(a, b); }
inline double max(double a, double b) { return fmax(a, b); }
