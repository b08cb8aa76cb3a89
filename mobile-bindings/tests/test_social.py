"""Sign-in with a provider through the mobile bindings, against a real server
and a real OpenID Connect provider (oidc-provider-mock, the `oidc`
fixture), driven the way an app drives it: `start_social_sign_in` answers
the provider's page, the member signs in there (here: the provider's login
form is posted with the account's subject), the provider redirects to
`moa://oauth/callback?code=…&state=…`, and that whole URL goes to
`finish_social_sign_in`.

The server (`social_server`) offers Google and Kakao, both as clients of
the one provider; Naver is not set up on it.
"""

import asyncio
import time
import uuid

import pytest

from conftest import PASSWORD, member, moa


def run(scenario):
    asyncio.run(scenario)


def tag():
    return uuid.uuid4().hex[:8]


async def sign_in_at(client, oidc, sub, provider=moa.SocialProvider.GOOGLE, linking=False):
    """Starts a sign-in (or a link from settings), signs `sub` in at the
    provider, and answers (the start, the redirect URL the app gets)."""
    if linking:
        start = await client.start_linking(provider, moa.mobile_redirect_uri())
    else:
        start = await client.start_social_sign_in(provider, moa.mobile_redirect_uri())
    location = oidc.authorize(start.authorize_url, sub)
    return start, location


# ----- reading a redirect (no server) ---------------------------------------------


def test_parse_oauth_redirect_reads_codes_refusals_and_refuses_the_rest():
    assert moa.mobile_redirect_uri() == "moa://oauth/callback"

    parsed = moa.parse_oauth_redirect("moa://oauth/callback?code=a%2Bb%20c&state=s-1")
    assert isinstance(parsed, moa.OauthRedirect.CODE)
    assert parsed.code == "a+b c" and parsed.state == "s-1"
    # Just the query, in any order, a fragment ignored.
    parsed = moa.parse_oauth_redirect("state=s2&code=c2#ignored")
    assert parsed == moa.OauthRedirect.CODE(code="c2", state="s2")
    # The loopback address of the desktop app reads the same.
    assert moa.parse_oauth_redirect("http://127.0.0.1:5000/oauth/callback?code=c&state=s").is_code()

    refused = moa.parse_oauth_redirect(
        "moa://oauth/callback?error=access_denied&error_description=User%20cancelled&state=s"
    )
    assert isinstance(refused, moa.OauthRedirect.REFUSED)
    assert refused.error == "access_denied" and refused.description == "User cancelled"

    for bad in ["", "moa://oauth/callback", "moa://oauth/callback?code=c", "x?state=s", "x?code=&state=s"]:
        with pytest.raises(moa.MoaError.Invalid) as refused:
            moa.parse_oauth_redirect(bad)
        assert "redirect" in refused.value.reason, bad


# ----- a newcomer -------------------------------------------------------------------


def test_a_newcomer_signs_up_with_google_signs_in_again_and_manages_the_ways_in(social_server, oidc, data_dir):
    async def scenario():
        client = await moa.MoaClient.open(data_dir(), social_server.url)
        methods = await client.sign_in_methods()
        assert methods.password
        assert set(methods.providers) == {moa.SocialProvider.GOOGLE, moa.SocialProvider.KAKAO}

        t = tag()
        sub = f"google-{t}"
        email = f"haneul-{t}@gmail.example"
        oidc.set_user(sub, email=email, email_verified=True, name="하늘")

        start, location = await sign_in_at(client, oidc, sub)
        assert start.provider == moa.SocialProvider.GOOGLE
        assert start.authorize_url.startswith(oidc.issuer + "/")
        assert start.state and start.state in start.authorize_url
        assert start.expires_at > time.time() * 1000
        assert location.startswith("moa://oauth/callback?")
        assert moa.parse_oauth_redirect(location).state == start.state

        outcome = await client.finish_social_sign_in(location)
        assert isinstance(outcome, moa.SocialSignIn.SIGN_UP), outcome
        assert outcome.email == email
        assert outcome.display_name == "하늘"
        assert 3 <= len(outcome.proposed_handle) <= 30
        # Not signed in until the handle is confirmed.
        with pytest.raises(moa.MoaError.Auth):
            await client.me()

        # The same redirect again (a replay): the attempt is spent.
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.finish_social_sign_in(location)
        assert refused.value.code == "invalid_oauth_state"

        # A bad handle is caught on the device.
        with pytest.raises(moa.MoaError.Invalid):
            await client.complete_social_sign_up(outcome.ticket, "no spaces please", None)
        me = await client.complete_social_sign_up(outcome.ticket, outcome.proposed_handle, None)
        assert me.email == email
        assert me.handle == outcome.proposed_handle
        assert me.display_name == "하늘"
        assert (await client.me()).id == me.id
        # The ticket is spent.
        other = await moa.MoaClient.open(data_dir(), social_server.url)
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await other.complete_social_sign_up(outcome.ticket, f"again_{t}", None)
        assert refused.value.code == "invalid_ticket"

        # Google is the only way in: no password, and it cannot be unlinked.
        ways = await client.linked_sign_ins()
        assert not ways.password
        assert [(i.provider, i.email) for i in ways.identities] == [(moa.SocialProvider.GOOGLE, email)]
        assert ways.identities[0].linked_at > 0
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.unlink_provider(moa.SocialProvider.GOOGLE)
        assert refused.value.code == "last_sign_in_method"
        # Something not linked at all.
        with pytest.raises(moa.MoaError.NotFound):
            await client.unlink_provider(moa.SocialProvider.KAKAO)

        # Signed out, the same Google account signs in at once, on another
        # device too.
        await client.sign_out()
        with pytest.raises(moa.MoaError.Auth):
            await client.me()
        for device in (client, other):
            _, location = await sign_in_at(device, oidc, sub)
            again = await device.finish_social_sign_in(location)
            assert isinstance(again, moa.SocialSignIn.SIGNED_IN), again
            assert again.me.id == me.id
            assert (await device.me()).handle == me.handle

        # From settings, Kakao is linked as a second way in (another
        # provider account of the member's) ...
        kakao_sub = f"kakao-{t}"
        oidc.set_user(kakao_sub, email=f"haneul-{t}@kakao.example", email_verified=True, name="하늘")
        start, location = await sign_in_at(client, oidc, kakao_sub, moa.SocialProvider.KAKAO, linking=True)
        assert start.provider == moa.SocialProvider.KAKAO
        linked = await client.finish_social_sign_in(location)
        assert isinstance(linked, moa.SocialSignIn.LINKED), linked
        assert {i.provider for i in linked.methods.identities} == {
            moa.SocialProvider.GOOGLE, moa.SocialProvider.KAKAO,
        }
        # ... so Google can go now, and Kakao is then the last way in.
        left = await client.unlink_provider(moa.SocialProvider.GOOGLE)
        assert [i.provider for i in left.identities] == [moa.SocialProvider.KAKAO]
        assert [i.provider for i in (await client.linked_sign_ins()).identities] == [moa.SocialProvider.KAKAO]
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.unlink_provider(moa.SocialProvider.KAKAO)
        assert refused.value.code == "last_sign_in_method"

        # Kakao signs the member in. The unlinked Google account is no way
        # in any more: its email is the account's, which has no password, so
        # it can only be linked again from settings after signing in with
        # Kakao.
        await client.sign_out()
        _, location = await sign_in_at(client, oidc, kakao_sub, moa.SocialProvider.KAKAO)
        back = await client.finish_social_sign_in(location)
        assert isinstance(back, moa.SocialSignIn.SIGNED_IN) and back.me.id == me.id
        await client.sign_out()
        _, location = await sign_in_at(client, oidc, sub)
        stranger = await client.finish_social_sign_in(location)
        assert isinstance(stranger, moa.SocialSignIn.LINK_REQUIRED), stranger
        assert not stranger.has_password
        assert stranger.providers == [moa.SocialProvider.KAKAO]

    run(scenario())


# ----- an existing account ------------------------------------------------------------


def test_an_existing_password_account_links_google_with_its_password(social_server, oidc, data_dir):
    async def scenario():
        owner, me = await member(social_server.url, data_dir(), "dana")
        t = tag()
        sub = f"google-{t}"
        oidc.set_user(sub, email=me.email, email_verified=True, name="Dana G")

        phone = await moa.MoaClient.open(data_dir(), social_server.url)
        _, location = await sign_in_at(phone, oidc, sub)
        outcome = await phone.finish_social_sign_in(location)
        assert isinstance(outcome, moa.SocialSignIn.LINK_REQUIRED), outcome
        assert outcome.email == me.email
        assert outcome.has_password
        assert outcome.providers == []

        # The account's password, and only it, links Google.
        with pytest.raises(moa.MoaError.Auth):
            await phone.link_social_with_password(outcome.ticket, "not the password at all")
        with pytest.raises(moa.MoaError.Invalid):
            await phone.link_social_with_password(outcome.ticket, "")
        with pytest.raises(moa.MoaError.Auth):
            await phone.me()
        linked = await phone.link_social_with_password(outcome.ticket, PASSWORD)
        assert linked.id == me.id and linked.handle == me.handle
        ways = await phone.linked_sign_ins()
        assert ways.password
        assert [i.provider for i in ways.identities] == [moa.SocialProvider.GOOGLE]

        # From now on Google signs in directly.
        await phone.sign_out()
        _, location = await sign_in_at(phone, oidc, sub)
        again = await phone.finish_social_sign_in(location)
        assert isinstance(again, moa.SocialSignIn.SIGNED_IN) and again.me.id == me.id

        # That Google account is Dana's: another member cannot link it.
        other, _ = await member(social_server.url, data_dir(), "eun")
        _, location = await sign_in_at(other, oidc, sub, linking=True)
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await other.finish_social_sign_in(location)
        assert refused.value.code == "identity_taken"

        # The password stays a way in, so Google can be unlinked.
        left = await owner.unlink_provider(moa.SocialProvider.GOOGLE)
        assert left.password and left.identities == []
        assert (await phone.linked_sign_ins()).identities == []

    run(scenario())


# ----- refusals ---------------------------------------------------------------------


def test_cancelled_unverified_forged_and_misdirected_sign_ins_are_refused(social_server, oidc, data_dir):
    async def scenario():
        client = await moa.MoaClient.open(data_dir(), social_server.url)

        # The member pressed cancel on the provider's page.
        start = await client.start_social_sign_in(moa.SocialProvider.GOOGLE, moa.mobile_redirect_uri())
        cancelled = f"moa://oauth/callback?error=access_denied&state={start.state}"
        assert moa.parse_oauth_redirect(cancelled).is_refused()
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.finish_social_sign_in(cancelled)
        assert refused.value.code == "oauth_failed"
        assert "cancel" in refused.value.reason

        # A provider that does not vouch for the email.
        t = tag()
        sub = f"unverified-{t}"
        oidc.set_user(sub, email=f"mina-{t}@gmail.example", email_verified=False, name="Mina")
        _, location = await sign_in_at(client, oidc, sub)
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.finish_social_sign_in(location)
        assert refused.value.code == "email_unverified"
        with pytest.raises(moa.MoaError.Auth):
            await client.me()

        # A state the server never handed out; a redirect with no code.
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.finish_social_sign_in("moa://oauth/callback?code=forged&state=forged")
        assert refused.value.code == "invalid_oauth_state"
        with pytest.raises(moa.MoaError.Invalid):
            await client.finish_social_sign_in("moa://oauth/callback")

        # Only the app's scheme or a loopback address may get the code;
        # Naver is not set up on this server; a ticket nobody issued.
        with pytest.raises(moa.MoaError.Invalid):
            await client.start_social_sign_in(moa.SocialProvider.GOOGLE, "https://elsewhere.example/oauth/callback")
        with pytest.raises(moa.MoaError.NotFound):
            await client.start_social_sign_in(moa.SocialProvider.NAVER, moa.mobile_redirect_uri())
        with pytest.raises(moa.MoaError.SignIn) as refused:
            await client.link_social_with_password("no-such-ticket", PASSWORD)
        assert refused.value.code == "invalid_ticket"

        # Settings need a member.
        with pytest.raises(moa.MoaError.Auth):
            await client.linked_sign_ins()
        with pytest.raises(moa.MoaError.Auth):
            await client.start_linking(moa.SocialProvider.GOOGLE, moa.mobile_redirect_uri())

    run(scenario())
