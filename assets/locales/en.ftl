# Dreamloom's own words in English: the gallery kiosk, its curator's pad and panel, and the phone
# form. Every message here is in ar.ftl and es.ftl too (a unit test checks it). One line a
# message or variant: Fluent keeps a line break inside a message as one.
#
# Arguments: $count, $limit, $length and the other numbers are written in the language's digits
# and choose plural forms; $code is a receipt code; $field is story or origin (or language), the
# field a problem is in.

## The kiosk: attract mode.

attract-title = Share a dream
attract-invitation = Touch the screen to weave your dream into the cloak, in the colours of where it comes from.
attract-protocol = The Protocol wants one seamless dream. Every thread says otherwise.
attract-phone = or on your phone

## The kiosk: the visitor form.

form-title = Share a dream
form-intro = Your dream becomes a thread in the cloak, coloured by where it comes from. You will get a code to find your thread again, or to take it back.
form-story-label = Your dream
form-story-count =
    { $limit ->
        [one] { $count } / { $limit } character
       *[other] { $count } / { $limit } characters
    }
form-origin-label = Where your dream comes from
form-story-hint = In any language. What did you dream?
form-origin-hint = Your culture or place, in your own words (up to { $limit } characters)
form-show = Show my thread on the cloak, where others can read it
form-sanctuary = Protect it in the Sanctuary: the Protocol may not dissolve it
form-pre-moderation = A curator reads every dream before it joins the cloak.
form-weave = Weave my dream in
form-weaving = Weaving your dream in…
form-just-look = Just look at the cloak

## The kiosk: the on-screen keyboard's named keys.

key-space = space
key-delete = Del
key-shift = Shift

## The kiosk: the receipt.

receipt-kept-title = Your dream is kept
receipt-kept = It is in the store, and not on the cloak, as you asked.
receipt-pending-title = Your dream is received
receipt-pending = A curator reads every dream first; your thread joins the cloak soon.
receipt-woven-title = Your dream is woven in
receipt-woven = Watch the cloak: your thread is the one that shines.
receipt-soon-title = Your dream is received
receipt-soon = Your thread joins the cloak in a few moments.
receipt-code = Your code:
# $phone: yes when the phone form runs beside the kiosk.
receipt-keep =
    { $phone ->
        [yes] Keep it — take a photo. Type it here or on the phone form to find your thread, or to take your dream back at any time.
       *[no] Keep it — take a photo. Type it here to find your thread, or to take your dream back at any time.
    }
receipt-done = Done

## The kiosk: the browse bar, and its answers to receipt codes.

browse-share = Share a dream
browse-code = Your code:
browse-find = Find my thread
browse-take-back = Take it back
browse-erase = Yes, erase it
browse-confirm-erase = Press "{ browse-erase }" to erase the dream { $code } for good.
code-found = Here is your thread, { $code }.
code-off-cloak = The dream { $code } is kept but not on the cloak: it waits for a curator, was hidden, or you chose not to show it.
code-erased = The dream { $code } is erased, and its thread is leaving the cloak.
code-taken-back = The dream { $code } is taken back, and its thread is leaving the cloak. Its words are gone from the store; an old copy left on this computer's disk is wiped as soon as the store is free.
code-unknown = No dream has the code { $code }. Please check each letter and digit.
code-already-withdrawn = The dream with the code { $code } was already taken back.
# $wait: one of the wait- messages below.
codes-paused = Too many codes were tried here just now. Please wait { $wait } and try again.
phone-arrival = A new dream arrived from a phone

## The kiosk: when the store cannot answer.

kiosk-not-stored = The loom is resting: your dream could not be stored just now. It is still here; please try again in a moment.
kiosk-no-store = The loom is resting: your dream could not be stored.
kiosk-resting = The loom is resting; please try again in a moment.

## Waits, as codes-paused, pin-locked and pin-too-many use them.

wait-seconds =
    { $count ->
        [one] a second
       *[other] { $count } seconds
    }
wait-minutes =
    { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
wait-hours =
    { $count ->
        [one] { $count } hour
       *[other] { $count } hours
    }

## A receipt code that cannot be one. The kiosk starts these with a capital and ends them with a
## full stop; the phone form adds the full stop.

receipt-error-length = a receipt code has { $expected } characters; "{ $typed }" has { $length }
receipt-error-character = '{ $character }' cannot appear in a receipt code

## The rules a dream must meet, one message a problem (narrative::validate). The English reads
## exactly as the command line says it. The kiosk starts these with a capital and ends them with
## a full stop; the phone form lists them as they are.

problem-empty =
    { $field ->
        [origin] the cultural origin is empty
       *[story] the story is empty
    }
problem-too-long =
    { $field ->
        [origin] the cultural origin is { $length } characters long; the limit is { $limit }
       *[story] the story is { $length } characters long; the limit is { $limit }
    }
problem-too-many-bytes =
    { $field ->
        [origin] the cultural origin is too long to store: it takes { $bytes } bytes, and the limit is { $limit }; emoji and letters with many accents take several bytes each, so please shorten it
       *[story] the story is too long to store: it takes { $bytes } bytes, and the limit is { $limit }; emoji and letters with many accents take several bytes each, so please shorten it
    }
problem-too-many-marks =
    { $field ->
        [origin] the cultural origin has { $marks } accents or other marks stacked on the character at position { $position }; at most { $limit } fit on one character, so please remove the extra ones
       *[story] the story has { $marks } accents or other marks stacked on the character at position { $position }; at most { $limit } fit on one character, so please remove the extra ones
    }
problem-control-character =
    { $field ->
        [origin] the cultural origin contains a control character ({ $code }) at position { $position }
       *[story] the story contains a control character ({ $code }) at position { $position }
    }
problem-direction-control =
    { $field ->
        [origin] the cultural origin contains an invisible text-direction control ({ $code }) at position { $position }; it could reorder what others read, so please remove it
       *[story] the story contains an invisible text-direction control ({ $code }) at position { $position }; it could reorder what others read, so please remove it
    }
problem-line-break =
    { $field ->
        [story] the story must be one line; it breaks at position { $position }
       *[origin] the cultural origin must be one line; it breaks at position { $position }
    }
problem-not-a-language-tag = the language tag is not a language tag such as "yo", "pt-BR" or "zh-Hant"

## The curator's PIN pad.

pin-unset-title = No curator PIN is set
pin-unset = The curator panel stays shut until a PIN is set. On this computer, in a terminal, run `dreamloom kiosk-pin` (with the kiosk's --data folder, if it has one) and type a PIN of { $min } to { $max } digits twice. The pad takes it the next time it opens.
pin-unset-short = No curator PIN is set.
pin-close = Close
pin-title = Curator PIN
pin-delete = Del
pin-ok = OK
pin-cancel = Cancel
pin-locked = Locked after too many wrong PINs: try again in { $wait }.
pin-wrong =
    { $tries ->
        [one] Wrong PIN; 1 try left before the pad locks.
       *[other] Wrong PIN; { $tries } tries left before the pad locks.
    }
pin-too-many = Too many wrong PINs; try again in { $wait }.

## The curator's panel.

curator-title = Curator
curator-counts = { $visible } on the cloak · { $pending } pending · { $hidden } hidden · { $withdrawn } withdrawn
curator-post-moderation = Post-moderation: dreams appear at once; hide what must go.
curator-pre-moderation = Pre-moderation: dreams wait here until approved.
curator-waiting = Waiting for approval
curator-queue =
    { $count ->
        [one] { $count } dream
       *[other] { $count } dreams
    }
curator-nothing-waiting = Nothing is waiting.
# $count: dreams and withdrawals this kiosk keeps while the exhibition's database is unreachable.
curator-outbox =
    { $count ->
        [one] { $count } dream or withdrawal waits on this kiosk for the exhibition's database; it is sent on by itself once the database is back.
       *[other] { $count } dreams and withdrawals wait on this kiosk for the exhibition's database; they are sent on by themselves once the database is back.
    }
curator-approve = Approve
curator-hide = Hide
curator-restore = Restore
curator-withdrawn = withdrawn by its owner
curator-receipt = Receipt:
curator-find = Find
curator-status =
    { $status ->
        [visible] status: visible
        [pending] status: pending
        [hidden] status: hidden
       *[withdrawn] status: withdrawn
    }
curator-moderated =
    { $status ->
        [visible] { $code } is on the cloak.
        [hidden] { $code } is hidden.
        [pending] { $code } is pending.
       *[withdrawn] { $code } was withdrawn.
    }
curator-lock = Lock
curator-quit = Quit the kiosk
curator-quit-confirm = Yes, quit the kiosk
curator-store-unreadable = The store could not be read; see the log.
curator-store-fault = The store could not do that; see the log.

## The phone form: every page.

page-title = { $title } — Cloak of Collective Dreams
web-back = Back to the form

## The phone form: the dream form.

web-form-title = Share a dream
web-form-intro = Your dream becomes a thread in the Cloak of Collective Dreams, in the colours of where it comes from. You get a code to find your thread again, or to take it back.
web-problems = Please look at this first:
web-story-label = Your dream
web-story-hint = In any language, up to { $limit } characters.
web-origin-label = Where your dream comes from
web-origin-hint = Your culture or place, in your own words — e.g. “Yoruba, Lagos” (up to { $limit } characters).
web-language-label = Language of your dream (optional)
web-language-hint = A short tag such as “yo”, “pt-BR” or “zh-Hant” (up to { $limit } characters).
web-choices = Your choices
web-show = Show my thread on the cloak, where others can read it.
web-sanctuary = Protect it in the Sanctuary: the Protocol may not dissolve it.
web-weave = Weave my dream in
web-withdraw-link = Take back a dream you shared

## The phone form: after a dream was stored.

web-thanks-title = Your dream is woven in
web-thanks-hidden = It is kept, and not shown on the cloak, as you asked.
web-thanks-pending = A curator looks at every dream before it joins the cloak; yours will appear soon.
web-thanks-woven = Look up at the cloak: your thread is weaving in now.
web-thanks-code = Your code:
web-thanks-card = Your keepsake card: your dream in your own words, your thread in its colours. Touch it to save it.
web-thanks-card-alt = Keepsake card of your dream, with your code
# What a screen reader says for the code: $letters are its letters, one by one.
web-code-spelled = code { $letters }
# $link is a link that reads web-thanks-keep-link.
web-thanks-keep = Keep it (take a photo). Type it at the kiosk to find your thread, or use it here to { $link } at any time.
web-thanks-keep-link = take your dream back
web-share-another = Share another dream

## The phone form: taking a dream back.

web-withdraw-title = Take back a dream
web-withdraw-intro = Type the code you were given. Your dream's words are erased for good and its thread leaves the cloak.
web-code-label = Your code
web-code-hint = Six letters and digits, e.g. 7KQ4XM.
web-erase = Erase my dream
web-share-instead = Share a dream instead
web-erased-title = Your dream is erased
web-erased = Dream { $code }. Its words are gone from the store, and its thread is leaving the cloak.
web-taken-back-title = Your dream is taken back
web-taken-back = Dream { $code }. Its thread is leaving the cloak and its words are gone from the store; an old copy left on this computer's disk is wiped as soon as the store is free, within minutes.
web-no-such-code = No dream has this code, or it was already taken back. Please check each letter and digit.

## The phone form: refusals and faults.

web-expired = This form was already sent, was open too long, or came from elsewhere, so it was not taken. Nothing is lost: check it below and send it again.
web-resting-form = The loom is resting: your dream could not be stored just now. It is still here; please send it again in a minute, or share it at the kiosk.
web-resting-title = The loom is resting
web-resting = Your dream could not be stored just now. Please try again in a minute, or share it at the kiosk.
web-cross-site-title = This form must be sent from its own page
web-cross-site = The request came from another website, so it was refused. Open the dream form directly (scan the code at the kiosk) and send it from there.
web-not-a-form-title = This was not sent by the form
web-not-a-form = The server only takes what the dream form itself sends. Please use the form.
web-too-large-title = That is too long to send
web-too-large = What was sent is larger than any dream the form can carry. Please shorten it.
web-incomplete-title = The form did not arrive whole
web-incomplete = The connection broke while the form was being sent. Please send it again.
web-unreadable-title = The form could not be read
web-unreadable = What arrived is not a filled-in dream form. Please use the form and send it again.
web-wrong-host-title = This is not the dream form's address
web-wrong-host = The dream form is not served under that name. Open it from the code at the kiosk.
web-wait-title = Please wait a moment
web-busy = Many dreams are arriving at once just now.
web-pages-wait = This phone opened the form many times in a short time.
web-posts-wait = Many dreams came from this phone in a short time.
web-try-again =
    { $seconds ->
        [one] Please try again in { $seconds } second.
       *[other] Please try again in { $seconds } seconds.
    }
web-not-allowed-title = Not like that
web-not-allowed = This page is only for opening and sending the dream form.
web-not-found-title = Nothing here
web-not-found = This page does not exist. The dream form is at the start of this site.
