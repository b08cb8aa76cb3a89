// Fixtures for the Kotlin bindings on the JVM: real `moa-server` processes
// (a free port, a temp data directory, stopped to go offline and started
// again on the same port and data), a listener that records events, a wait
// for a condition, members signed up on the spot, a photo made at test
// time, and the leak check after every test. The same shapes as the Python
// suite's conftest.py.
package app.moa.bindings

import java.awt.image.BufferedImage
import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO
import kotlin.random.Random
import kotlinx.coroutines.delay
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.fail

const val PASSWORD = "correct horse battery staple"

/** Generous: a loaded CI machine with two cores; things normally take milliseconds. */
const val TIMEOUT_MS = 20_000L

/** The `moa-server` binary (the pom passes it as a system property). */
val serverBinary: String by lazy {
    val path = System.getProperty("moa.server") ?: ""
    require(File(path).canExecute()) { "-Dmoa.server must name the moa-server binary (got '$path')" }
    path
}

/** A `moa-server` process on a fixed port and data directory. */
class Server(private val dataDir: Path, private val extraArgs: List<String> = emptyList()) : AutoCloseable {
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private val log = dataDir.resolve("server.log").toFile()
    private var process: Process? = null

    fun start(): Server {
        check(process == null) { "already running" }
        val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS)
        while (true) {
            val builder = ProcessBuilder(
                listOf(
                    serverBinary,
                    "--data-dir", dataDir.toString(),
                    "--bind", "127.0.0.1:$port",
                    // Every test signs up members from one address.
                    "--auth-rate-per-ip", "10000",
                    "--log-format", "json",
                ) + extraArgs,
            ).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            builder.environment()["RUST_LOG"] = System.getenv("RUST_LOG") ?: "warn"
            val started = builder.start()
            process = started
            while (System.nanoTime() < deadline && started.isAlive) {
                if (listening()) return this
                Thread.sleep(50)
            }
            if (System.nanoTime() >= deadline) {
                stop()
                fail("moa-server did not start; its log:\n${log.readText().takeLast(4000)}")
            }
            // Exited (the port may still be held by the last one): again.
            process = null
            Thread.sleep(200)
        }
    }

    private fun listening(): Boolean = try {
        Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), 200) }
        true
    } catch (e: java.io.IOException) {
        false
    }

    fun stop() {
        val running = process ?: return
        running.destroy()
        if (!running.waitFor(10, TimeUnit.SECONDS)) {
            running.destroyForcibly()
            running.waitFor()
        }
        process = null
    }

    override fun close() = stop()

    companion object {
        /** A server with fake payments and an admin (`admin@moa.example`,
         *  [PASSWORD]) made through the server's CLI. */
        fun withAdmin(dataDir: Path): Server {
            val made = ProcessBuilder(
                serverBinary, "--data-dir", dataDir.toString(), "--log-format", "json",
                "user", "create", "--email", ADMIN_EMAIL, "--role", "admin", "--password", PASSWORD,
            ).redirectErrorStream(true).redirectOutput(dataDir.resolve("cli.log").toFile())
            made.environment().remove("DATABASE_URL")
            val status = made.start().waitFor()
            check(status == 0) { "moa-server user create failed: ${dataDir.resolve("cli.log").toFile().readText()}" }
            return Server(dataDir, listOf("--fake-payments", "--fake-sms", "--job-poll-ms", "100"))
        }

        const val ADMIN_EMAIL = "admin@moa.example"
    }
}

/** A listener that keeps every event, for tests to wait on. Rust calls it
 *  on its own threads; the test reads it from its own. */
class Recorder : MoaListener {
    private val incoming = LinkedBlockingQueue<Event>()
    private val seen = mutableListOf<Event>()

    @Volatile
    var lagged = 0L

    override fun onEvent(event: Event) {
        incoming.add(event)
    }

    override fun onLagged(missed: ULong) {
        lagged += missed.toLong()
    }

    private fun drain() {
        while (true) seen.add(incoming.poll() ?: return)
    }

    /** The first event (seen so far or arriving) for which [predicate] is
     *  true; fails after [timeoutMs]. */
    suspend fun waitFor(what: String, timeoutMs: Long = TIMEOUT_MS, predicate: (Event) -> Boolean): Event {
        val deadline = System.currentTimeMillis() + timeoutMs
        var checked = 0
        while (true) {
            drain()
            seen.drop(checked).firstOrNull(predicate)?.let { return it }
            checked = seen.size
            if (System.currentTimeMillis() > deadline) {
                val kinds = seen.map { it::class.simpleName ?: "?" }.toSortedSet()
                fail("no event: $what (saw ${seen.size} events: $kinds)")
            }
            delay(20)
        }
    }

    fun all(predicate: (Event) -> Boolean): List<Event> {
        drain()
        return seen.filter(predicate)
    }
}

/** Awaits [probe] until it answers something non-null (a `Network` error
 *  counts as not yet: a reconnecting client), and answers it. */
suspend fun <T : Any> eventually(what: String, timeoutMs: Long = TIMEOUT_MS, probe: suspend () -> T?): T {
    val deadline = System.currentTimeMillis() + timeoutMs
    var last: Any? = null
    while (true) {
        last = try {
            probe()
        } catch (e: MoaException.Network) {
            e
        }
        if (last != null && last !is Exception) {
            @Suppress("UNCHECKED_CAST")
            return last as T
        }
        if (System.currentTimeMillis() > deadline) fail("timed out waiting for $what (last: $last)")
        delay(100)
    }
}

/** A tag that keeps emails and handles unique across tests. */
fun tag(): String = UUID.randomUUID().toString().replace("-", "").take(8)

/** A real RGB PNG like a photo to a compressor: smooth colour gradients
 *  under fine sensor-like noise (which PNG keeps and JPEG does not). */
fun makePng(width: Int, height: Int, seed: Int = 1): ByteArray {
    val image = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
    val random = Random(seed)
    for (y in 0 until height) {
        for (x in 0 until width) {
            val r = (x * 255 / width + random.nextInt(4)).coerceAtMost(255)
            val g = (y * 255 / height + random.nextInt(4)).coerceAtMost(255)
            val b = ((x + y) * 255 / (width + height) + random.nextInt(4)).coerceAtMost(255)
            image.setRGB(x, y, (r shl 16) or (g shl 8) or b)
        }
    }
    val out = java.io.ByteArrayOutputStream()
    check(ImageIO.write(image, "png", out)) { "no PNG writer" }
    return out.toByteArray()
}

/** A file of mobile-bindings/tests/data (shared with the Python suite). */
fun fixture(name: String): File {
    val file = File(System.getProperty("moa.fixtures") ?: "../tests/data", name)
    require(file.isFile) { "no fixture ${file.path}" }
    return file
}

/** The start of a HEIC file as an iPhone writes it: an ISO-BMFF `ftyp` box
 *  with the `heic` brand, then a `meta` box. What the device sniffs. */
fun heicBytes(): ByteArray {
    val header = byteArrayOf(0, 0, 0, 0x18) + "ftypheic".toByteArray() + byteArrayOf(0, 0, 0, 0) +
        "mif1heic".toByteArray()
    return header + byteArrayOf(0, 0, 0, 0x10) + "meta".toByteArray() + ByteArray(8)
}

/**
 * What every test class shares: its temp directories, servers and objects
 * are released after each test, and then the library's own count of live
 * handles (`liveHandles()`: clients, handle objects, subscriptions,
 * listeners) must be back where it was before the test. Objects a test did
 * not close itself (the handle objects of `client.outbox()` and the like)
 * are released by the JVM's cleaner once collected, so the check collects
 * garbage while it waits (up to 10 s; a cancelled subscription lets go of
 * its listener from its own task, a moment later).
 */
abstract class BindingsTest {
    private val closeables = mutableListOf<AutoCloseable>()
    private val dirs = mutableListOf<Path>()
    private var baseline = 0L

    fun <T : AutoCloseable> T.closeAfter(): T = also { closeables.add(it) }

    fun tempDir(prefix: String = "moa-kt-"): Path = Files.createTempDirectory(prefix).also { dirs.add(it) }

    fun server(): Server = Server(tempDir("moa-server-")).start().closeAfter()

    fun adminServer(): Server = Server.withAdmin(tempDir("moa-shop-server-")).start().closeAfter()

    suspend fun open(server: Server): MoaClient =
        MoaClient.open(tempDir("moa-client-").toString(), server.url).closeAfter()

    /** A client with a new member signed up. */
    suspend fun member(server: Server, name: String): Pair<MoaClient, Me> {
        val client = open(server)
        val t = tag()
        val me = client.signUp("$name-$t@moa.example", PASSWORD, "${name}_$t", name.replaceFirstChar { it.uppercase() })
        return client to me
    }

    @BeforeEach
    fun takeBaseline() {
        baseline = settle(0, 0)
    }

    @AfterEach
    fun releaseAndCheckNothingLeaks() {
        for (c in closeables.asReversed()) {
            try {
                c.close()
            } catch (e: Exception) {
                System.err.println("closing $c: $e")
            }
        }
        closeables.clear()
        for (d in dirs) d.toFile().deleteRecursively()
        dirs.clear()
        val live = settle(baseline)
        if (live != baseline) fail("${live - baseline} handle(s) still alive on the Rust side")
    }

    companion object {
        /** Collects garbage until the Rust side holds no more than [target]
         *  handles, or [timeoutMs] passed; answers the count. */
        fun settle(target: Long, timeoutMs: Long = 10_000): Long {
            val deadline = System.currentTimeMillis() + timeoutMs
            while (true) {
                System.gc()
                val live = liveHandles()
                if (live <= target || System.currentTimeMillis() >= deadline) return live
                Thread.sleep(50)
            }
        }
    }
}
