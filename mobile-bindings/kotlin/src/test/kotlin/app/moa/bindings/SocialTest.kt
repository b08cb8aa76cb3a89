// Sign-in with a provider, the Kotlin surface: reading the redirect the
// provider opens the app with (`parseOauthRedirect`, no server needed) and
// the address the app registers. The flows against a real server and a
// real OpenID provider are the Python suite's test_social.py.
package app.moa.bindings

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertIs

class SocialTest : BindingsTest() {

    @Test
    fun `parseOauthRedirect reads a code, a cancel, and refuses the rest`() {
        assertEquals("moa://oauth/callback", mobileRedirectUri())

        val code = parseOauthRedirect("${mobileRedirectUri()}?code=a%2Bb%20c&state=s-1")
        assertEquals(OauthRedirect.Code(code = "a+b c", state = "s-1"), code)
        // Just the query, in any order.
        assertEquals(OauthRedirect.Code("c2", "s2"), parseOauthRedirect("state=s2&code=c2"))

        val cancelled = parseOauthRedirect("moa://oauth/callback?error=access_denied&error_description=User%20cancelled&state=s")
        assertIs<OauthRedirect.Refused>(cancelled)
        assertEquals("access_denied", cancelled.error)
        assertEquals("User cancelled", cancelled.description)

        for (bad in listOf("", "moa://oauth/callback", "moa://oauth/callback?code=c", "x?code=&state=s")) {
            val refused = assertThrows<MoaException.Invalid>(bad) { parseOauthRedirect(bad) }
            assertContains(refused.reason, "redirect")
        }
    }
}
