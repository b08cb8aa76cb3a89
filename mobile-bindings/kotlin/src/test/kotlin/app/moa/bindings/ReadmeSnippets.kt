// The Kotlin of mobile-bindings/README.md ("Area by area, in Kotlin and
// Swift", "Sign in with Kakao, Naver, Google"), compiled with the suite so that the README cannot drift from
// the generated API. Never run: each area is a function over what the
// snippet takes as given.
package app.moa.bindings

@Suppress("unused", "UNUSED_VARIABLE")
internal object ReadmeSnippets {
    suspend fun account(client: MoaClient, email: String, password: String) {
        val me = client.signUp(email, password, "handle", "Display Name")
        client.updateProfile(ProfileChanges(bio = "성수동 카페 탐방"))
        val page = client.myPage()
        if (client.signInMethods().phoneVerification && !client.me().phoneVerified) {
            val sent = client.requestPhoneVerification("010-1234-5678")
            val verified = client.confirmPhoneVerification("123456")
        }
        client.signOut()
    }

    // "Sign in with Kakao, Naver, Google": the Android-only lines (the
    // Custom Tab, the intent's URL) are the parameters here.
    suspend fun social(
        client: MoaClient,
        url: String,
        openCustomTab: (String) -> Unit,
        askPassword: (String) -> String,
        showHome: (Me) -> Unit,
        showWaysIn: (SignInMethods) -> Unit,
    ) {
        val start = client.startSocialSignIn(SocialProvider.KAKAO, mobileRedirectUri())
        openCustomTab(start.authorizeUrl)

        try {
            when (val outcome = client.finishSocialSignIn(url)) {
                is SocialSignIn.SignedIn -> showHome(outcome.me)
                is SocialSignIn.SignUp ->
                    showHome(client.completeSocialSignUp(outcome.ticket, outcome.proposedHandle, null))
                is SocialSignIn.LinkRequired -> if (outcome.hasPassword) {
                    showHome(client.linkSocialWithPassword(outcome.ticket, askPassword(outcome.email)))
                }
                is SocialSignIn.Linked -> showWaysIn(outcome.methods)
            }
        } catch (e: MoaException.SignIn) {
            val code: String = e.code
        }

        val ways = client.linkedSignIns()
        val linking = client.startLinking(SocialProvider.GOOGLE, mobileRedirectUri())
        try {
            client.unlinkProvider(SocialProvider.NAVER)
        } catch (e: MoaException.SignIn) {
            val last = e.code == "last_sign_in_method"
        }
        val buttons: List<SocialProvider> = client.signInMethods().providers
    }

    suspend fun push(client: MoaClient, fcmToken: String) {
        client.registerPushToken(PushPlatform.ANDROID, fcmToken)
        val prefs = client.notificationSettings()
        client.setNotificationSettings(prefs.copy(chatPreviews = false))
    }

    suspend fun reviews(client: MoaClient, photo: PreparedMedia) {
        val feed = client.feed(FeedTab.POPULAR)
        val more = client.feedMore(FeedTab.POPULAR, null)
        val id = client.createReview(NewReview(ReviewKind.SNAP, "", "Best 붕어빵", listOf(photo.mediaId), null, 5, listOf("붕어빵"), false))
        val commentId = client.comment(id, "맛있어요", null)
        client.setLike(LikeTarget.REVIEW, id, true)
        client.setScrap(id, true)
        val detail = client.review(id)
        val link = client.shareLink(LinkKind.REVIEW, id)
        val opened = parseLink("moa://review/$id")
    }

    suspend fun people(client: MoaClient, userId: String, myId: String) {
        client.setFollow(userId, true)
        val followers = client.followers(myId)
        client.removeFollower(followers.first().member.id)
        val liked = client.likedReviews()
        val theirs = client.userReviews(userId, null)
    }

    suspend fun places(client: MoaClient) {
        val place = client.searchPlaces("성수").firstOrNull()
            ?: client.addPlace(CreatePlaceRequest(name = "모아 카페", address = "서울 성동구 1", category = PlaceCategory.CAFE)).place
        val reviews = client.subjectReviews(SubjectType.PLACE, place.id, null)
    }

    suspend fun discovery(client: MoaClient, id: String, productId: String, openedAt: Long) {
        val forYou = client.feed(FeedTab.FOR_YOU)
        val more = client.feedMore(FeedTab.FOR_YOU, null)
        client.noteView(id, (System.currentTimeMillis() - openedAt).toULong())
        val similar = client.similarReviews(id)
        val similarProducts = client.similarProducts(productId)
    }

    suspend fun photos(client: MoaClient, jpegBytes: ByteArray, mediaId: String) {
        try {
            val photo = client.media().addPhoto(MediaSource.Bytes("photo.jpg", jpegBytes))
        } catch (e: MoaException.UnsupportedPhoto) {
            val format: String = e.format
        }
        val path = client.media().file(mediaId, thumbnail = true)
        val info = client.media().info(mediaId)
    }

    suspend fun chat(client: MoaClient, userId: String) {
        val roomId = client.createDirectRoom(userId)
        client.room(roomId).use { room ->
            room.send("안녕!", listOf(), null)
            val history = room.messages(null, 50u)
            room.markRead(history.last().seq ?: 0)
        }
    }

    suspend fun outbox(client: MoaClient) {
        val outbox = client.outbox()
        for (item in outbox.items()) if (item.state == OutboxState.FAILED) outbox.retry(item.id)
    }

    suspend fun search(client: MoaClient) {
        val outcome = client.search().query("ㅂㅇㅃ", SearchType.ALL, null)
    }

    suspend fun shop(client: MoaClient, choiceId: String) {
        val shop = client.shop()
        val card = shop.campaigns().first()
        val checkout = shop.placeOrder(card.campaign.id, listOf(choiceId), 1)
        val order = shop.confirmPayment(checkout.order.id)
    }

    suspend fun admin(client: MoaClient) {
        val admin = client.admin()
        val queue = admin.reportQueue(ReportState.OPEN, null, null)
        admin.moderate(ModerationRequest(queue.items[0].targetType, queue.items[0].targetId, ModerationAction.HIDE, "spam"))
        val stats = admin.stats(7u)
    }

    suspend fun requests(client: MoaClient) {
        val requests = client.requests()
        val id = requests.post(RequestDraft(
            title = "도쿄 한정 굿즈 대리 구매", category = RequestCategory.PURCHASE,
            region = "도쿄 시부야", startsOn = "2026-12-10", endsOn = "2026-12-20",
            budgetMinKrw = 20_000, budgetMaxKrw = 40_000,
        ))
        val open = requests.browse(RequestFilter(category = RequestCategory.PURCHASE))
        val quote = requests.quotes(id).first().quote
        try {
            val accepted = requests.accept(id, quote.id)
            val room = accepted.request.roomId!!
        } catch (e: MoaException.Shop) {
            if (e.code == "insufficient_points") {
                val checkout = client.wallet().charge(50_000)
                val url = checkout.checkoutUrl
                client.wallet().confirmCharge(checkout.charge.id)
            }
        }
    }
}
