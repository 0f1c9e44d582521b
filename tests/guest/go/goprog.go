// Go runtime exercise for xlat (issue #4): goroutines, channels,
// sync.WaitGroup, a mutex-protected counter, timers and tickers, select,
// panic/recover, maps and sort, GOMAXPROCS, signal.Notify, a TCP
// loopback exchange (netpoller: epoll), os/exec of a host program and of
// this program itself (clone with CLONE_VFORK, execve), files, and a
// chosen exit status.
// Everything printed is deterministic; tests/tests/linux_user.rs compares
// the arm64 build under xlat with the native amd64 build of this file.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// counter: 16 goroutines each add 1000 times under a mutex.
func counter() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	n := 0
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("mutex counter:", n)
}

// pipeline: a producer, 8 squaring workers and a collector over channels.
func pipeline() {
	in := make(chan int)
	out := make(chan int, 4)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range in {
				out <- v * v
			}
		}()
	}
	go func() {
		for i := 1; i <= 200; i++ {
			in <- i
		}
		close(in)
	}()
	go func() {
		wg.Wait()
		close(out)
	}()
	sum := 0
	count := 0
	for v := range out {
		sum += v
		count++
	}
	fmt.Println("pipeline:", count, "values, sum of squares", sum)
}

// atomics: goroutines spin on an atomic counter; a busy loop long enough
// that the runtime preempts goroutines asynchronously (SIGURG).
func atomics() {
	var total int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				atomic.AddInt64(&total, int64(g+1))
			}
		}(g)
	}
	wg.Wait()
	fmt.Println("atomic total:", atomic.LoadInt64(&total))
}

// spin keeps GOMAXPROCS goroutines busy in loops without calls, which only
// asynchronous preemption can interrupt, while the main goroutine waits on
// a timer; they stop when a flag is set.
func spin() {
	var stop int32
	var wg sync.WaitGroup
	results := make([]uint64, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			x := uint64(g + 1)
			for atomic.LoadInt32(&stop) == 0 {
				for i := 0; i < 1000; i++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			results[g] = x | 1
		}(g)
	}
	<-time.After(30 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	odd := 0
	for _, r := range results {
		if r&1 == 1 {
			odd++
		}
	}
	fmt.Println("spinners stopped:", odd)
}

// timers: a ticker, time.After and select with a default and a timeout.
func timers() {
	t := time.NewTicker(2 * time.Millisecond)
	ticks := 0
	deadline := time.After(10 * time.Second)
loop:
	for {
		select {
		case <-t.C:
			ticks++
			if ticks == 5 {
				break loop
			}
		case <-deadline:
			break loop
		}
	}
	t.Stop()
	fmt.Println("ticks:", ticks)

	c := make(chan string)
	select {
	case s := <-c:
		fmt.Println("unexpected", s)
	default:
		fmt.Println("select default taken")
	}
	go func() {
		time.Sleep(5 * time.Millisecond)
		c <- "late"
	}()
	select {
	case s := <-c:
		fmt.Println("received", s)
	case <-time.After(30 * time.Second):
		fmt.Println("timeout")
	}
	select {
	case s := <-c:
		fmt.Println("unexpected", s)
	case <-time.After(10 * time.Millisecond):
		fmt.Println("timed out as expected")
	}
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("slept at least 20ms:", time.Since(start) >= 20*time.Millisecond)
}

var errBad = errors.New("bad value")

// safeDiv divides, turning a runtime panic into an error with recover.
func safeDiv(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}

// panics: a runtime error (division by zero), a nil map write, an index
// out of range and a custom panic value, each recovered; one in a
// goroutine.
func panics() {
	q, err := safeDiv(10, 2)
	fmt.Println("10/2 =", q, err)
	_, err = safeDiv(1, 0)
	fmt.Println(err)
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		var m map[string]int
		m["x"] = 1
	}()
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		s := []int{1, 2, 3}
		i := len(os.Args) + 5
		fmt.Println(s[i])
	}()
	done := make(chan string)
	go func() {
		defer func() {
			r := recover()
			done <- fmt.Sprint("goroutine recovered: ", r)
		}()
		panic(errBad)
	}()
	fmt.Println(<-done)
	var p *struct{ x int }
	func() {
		defer func() {
			r := recover()
			re, ok := r.(runtime.Error)
			fmt.Println("nil dereference is runtime.Error:", ok, re != nil)
		}()
		fmt.Println(p.x)
	}()
}

// maps: word counts in a map, sorted by count then word.
func maps() {
	text := "the quick brown fox jumps over the lazy dog the fox barks and the dog runs quick"
	counts := map[string]int{}
	for _, w := range strings.Fields(text) {
		counts[w]++
	}
	type kv struct {
		k string
		v int
	}
	var s []kv
	for k, v := range counts {
		s = append(s, kv{k, v})
	}
	sort.Slice(s, func(i, j int) bool {
		if s[i].v != s[j].v {
			return s[i].v > s[j].v
		}
		return s[i].k < s[j].k
	})
	var parts []string
	for _, e := range s {
		parts = append(parts, fmt.Sprintf("%s=%d", e.k, e.v))
	}
	fmt.Println("words:", strings.Join(parts, " "))
	big := make(map[int]int)
	for i := 0; i < 100000; i++ {
		big[i*7%100003] = i
	}
	keys := make([]int, 0, len(big))
	for k := range big {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Println("big map:", len(big), keys[0], keys[len(keys)-1], big[keys[500]])
}

// garbage: allocation-heavy goroutines so the concurrent collector runs
// (its workers stop the world and preempt goroutines).
func garbage() {
	var wg sync.WaitGroup
	sums := make([]int, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var keep [][]byte
			for i := 0; i < 2000; i++ {
				b := make([]byte, 1024+i%512)
				b[0] = byte(i)
				if i%100 == 0 {
					keep = append(keep, b)
				}
				sums[g] += int(b[0])
			}
			sums[g] += len(keep)
		}(g)
	}
	wg.Wait()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("garbage sums:", sums, "gc ran:", ms.NumGC > 0)
}

// signals: signal.Notify receives signals the process sends itself.
func signals() {
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGHUP)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	got := map[string]bool{}
	for i := 0; i < 2; i++ {
		select {
		case s := <-c:
			got[s.String()] = true
		case <-time.After(30 * time.Second):
			fmt.Println("signal timeout")
		}
	}
	signal.Stop(c)
	fmt.Println("notified:", got["user defined signal 1"], got["hangup"])
}

// network: a TCP exchange over loopback through the netpoller.
func network() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		return
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		line, _ := bufio.NewReader(conn).ReadString('\n')
		fmt.Fprintf(conn, "echo %s", strings.ToUpper(line))
		conn.Close()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	fmt.Fprintf(conn, "hello over tcp\n")
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	fmt.Print("tcp: ", reply)
}

// processes: a host shell, a pipe through cat, this program again, files.
func processes() {
	out, err := exec.Command("/bin/sh", "-c", "echo from sh; exit 3").Output()
	ee, ok := err.(*exec.ExitError)
	fmt.Printf("sh: %q exit 3: %v\n", out, ok && ee.ExitCode() == 3)
	cmd := exec.Command("/bin/cat")
	cmd.Stdin = strings.NewReader("piped through cat\n")
	out, err = cmd.Output()
	fmt.Printf("cat: %q %v\n", out, err)
	self, err := os.Executable()
	if err == nil {
		out, err = exec.Command(self, "child", "x").Output()
		ee, ok = err.(*exec.ExitError)
		fmt.Printf("self: %q exit 4: %v\n", out, ok && ee.ExitCode() == 4)
	}
	f, err := os.CreateTemp("", "goprog")
	if err == nil {
		f.WriteString("line1\nline2\n")
		f.Close()
		b, _ := os.ReadFile(f.Name())
		os.Remove(f.Name())
		fmt.Printf("file: %q\n", b)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		fmt.Println("child args:", len(os.Args))
		os.Exit(4)
	}
	prev := runtime.GOMAXPROCS(4)
	fmt.Println("GOMAXPROCS was set:", prev >= 1, "now:", runtime.GOMAXPROCS(0))
	fmt.Println("NumCPU positive:", runtime.NumCPU() > 0)
	counter()
	pipeline()
	atomics()
	spin()
	timers()
	panics()
	maps()
	garbage()
	signals()
	network()
	processes()
	os.Exit(7)
}
