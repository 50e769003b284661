# كلمات Dreamloom بالعربية: كشك المعرض، ولوحة القيّم، ونموذج الهاتف.
# Dreamloom's own words in Arabic. The same messages as en.ftl (a unit test checks it); read its
# comments for what each argument is. Numbers are written in Arabic-Indic digits by the code;
# nouns after them follow the six plural forms: zero, one, two, few (3–10), many (11–99),
# other (100 and on).

## The kiosk: attract mode.

attract-title = شارك حلمًا
attract-invitation = المس الشاشة لتنسج حلمك في العباءة، بألوان المكان الذي جاء منه.
attract-protocol = يريد البروتوكول حلمًا واحدًا بلا دروز. وكلّ خيطٍ يقول غير ذلك.
attract-phone = أو من هاتفك

## The kiosk: the visitor form.

form-title = شارك حلمًا
form-intro = يصير حلمك خيطًا في العباءة، ملوّنًا بالمكان الذي جاء منه. ستحصل على رمز تجد به خيطك من جديد، أو تسترجعه به.
form-story-label = حلمك
form-story-count =
    { $limit ->
        [few] { $count } / { $limit } أحرف
        [many] { $count } / { $limit } حرفًا
       *[other] { $count } / { $limit } حرف
    }
form-origin-label = من أين جاء حلمك
form-story-hint = بأيّ لغة. بماذا حلمت؟
form-origin-hint =
    { $limit ->
        [few] ثقافتك أو مكانك، بكلماتك أنت (حتى { $limit } أحرف)
        [many] ثقافتك أو مكانك، بكلماتك أنت (حتى { $limit } حرفًا)
       *[other] ثقافتك أو مكانك، بكلماتك أنت (حتى { $limit } حرف)
    }
form-show = اعرض خيطي على العباءة، حيث يستطيع الآخرون قراءته
form-sanctuary = احمِه في الملاذ: لا يحقّ للبروتوكول أن يذيبه
form-pre-moderation = يقرأ القيّم كلّ حلم قبل أن ينضمّ إلى العباءة.
form-weave = انسج حلمي
form-weaving = يُنسج حلمك الآن…
form-just-look = أريد أن أتأمّل العباءة فحسب

## The kiosk: the on-screen keyboard's named keys (its letters are Latin).

key-space = مسافة
key-delete = حذف
key-shift = Shift

## The kiosk: the receipt.

receipt-kept-title = حُفظ حلمك
receipt-kept = إنه في المخزن، لا على العباءة، كما طلبت.
receipt-pending-title = وصلنا حلمك
receipt-pending = يقرأ القيّم كلّ حلم أولًا؛ وسينضمّ خيطك إلى العباءة قريبًا.
receipt-woven-title = نُسج حلمك
receipt-woven = انظر إلى العباءة: خيطك هو الذي يلمع.
receipt-soon-title = وصلنا حلمك
receipt-soon = سينضمّ خيطك إلى العباءة بعد لحظات.
receipt-code = رمزك:
receipt-keep =
    { $phone ->
        [yes] احتفظ به — التقط له صورة. اكتبه هنا أو في نموذج الهاتف لتجد خيطك، أو لتسترجع حلمك متى شئت.
       *[no] احتفظ به — التقط له صورة. اكتبه هنا لتجد خيطك، أو لتسترجع حلمك متى شئت.
    }
receipt-done = تمّ

## The kiosk: the browse bar, and its answers to receipt codes.

browse-share = شارك حلمًا
browse-code = رمزك:
browse-find = ابحث عن خيطي
browse-take-back = استرجعه
browse-erase = نعم، امحُه
browse-confirm-erase = اضغط «{ browse-erase }» لتمحو الحلم { $code } إلى الأبد.
code-found = ها هو خيطك، { $code }.
code-off-cloak = الحلم { $code } محفوظ لكنه ليس على العباءة: إمّا أنه ينتظر القيّم، أو أُخفي، أو اخترت ألّا يُعرض.
code-erased = مُحي الحلم { $code }، وخيطه يغادر العباءة.
code-taken-back = استُرجع الحلم { $code }، وخيطه يغادر العباءة. زالت كلماته من المخزن؛ وأيّ نسخة قديمة بقيت على قرص هذا الحاسوب تُمسح حالما يفرغ المخزن.
code-unknown = لا يحمل أيّ حلم الرمز { $code }. يُرجى التحقّق من كلّ حرف ورقم.
code-already-withdrawn = الحلم ذو الرمز { $code } استُرجع من قبل.
codes-paused = جُرِّبت رموز كثيرة هنا للتوّ. يُرجى الانتظار { $wait } ثم المحاولة مجدّدًا.
phone-arrival = وصل حلم جديد من هاتف

## The kiosk: when the store cannot answer.

kiosk-not-stored = النول يستريح: تعذّر حفظ حلمك الآن. ما زال هنا؛ يُرجى المحاولة بعد لحظة.
kiosk-no-store = النول يستريح: تعذّر حفظ حلمك.
kiosk-resting = النول يستريح؛ يُرجى المحاولة بعد لحظة.

## Waits.

wait-seconds =
    { $count ->
        [one] ثانية واحدة
        [two] ثانيتين
        [few] { $count } ثوانٍ
        [many] { $count } ثانية
       *[other] { $count } ثانية
    }
wait-minutes =
    { $count ->
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $count } دقائق
        [many] { $count } دقيقة
       *[other] { $count } دقيقة
    }
wait-hours =
    { $count ->
        [one] ساعة واحدة
        [two] ساعتين
        [few] { $count } ساعات
        [many] { $count } ساعة
       *[other] { $count } ساعة
    }

## A receipt code that cannot be one.

receipt-error-length =
    { $length ->
        [zero] يتألّف رمز الإيصال من { $expected } أحرف، ولم يُكتب أيّ حرف
        [one] يتألّف رمز الإيصال من { $expected } أحرف، أمّا «{ $typed }» فحرف واحد
        [two] يتألّف رمز الإيصال من { $expected } أحرف، أمّا «{ $typed }» فحرفان
        [few] يتألّف رمز الإيصال من { $expected } أحرف، أمّا «{ $typed }» فمن { $length } أحرف
        [many] يتألّف رمز الإيصال من { $expected } أحرف، أمّا «{ $typed }» فمن { $length } حرفًا
       *[other] يتألّف رمز الإيصال من { $expected } أحرف، أمّا «{ $typed }» فمن { $length } حرف
    }
receipt-error-character = لا يمكن أن يرد «{ $character }» في رمز إيصال

## The rules a dream must meet.

problem-empty =
    { $field ->
        [origin] الأصل الثقافي فارغ
       *[story] نصّ الحلم فارغ
    }
problem-too-long =
    { $field ->
        [origin] عدد أحرف الأصل الثقافي { $length }، والحدّ الأقصى { $limit }
       *[story] عدد أحرف نصّ الحلم { $length }، والحدّ الأقصى { $limit }
    }
problem-too-many-bytes =
    { $field ->
        [origin] الأصل الثقافي أطول من أن يُحفظ: يشغل { $bytes } بايت، والحدّ الأقصى { $limit }؛ فالرموز التعبيرية والحروف ذات العلامات الكثيرة يشغل كلّ منها عدّة بايتات، فيُرجى تقصيره
       *[story] نصّ الحلم أطول من أن يُحفظ: يشغل { $bytes } بايت، والحدّ الأقصى { $limit }؛ فالرموز التعبيرية والحروف ذات العلامات الكثيرة يشغل كلّ منها عدّة بايتات، فيُرجى تقصيره
    }
problem-too-many-marks =
    { $field ->
        [origin] في الأصل الثقافي حرفٌ في الموضع { $position } تتراكب عليه { $marks } من الحركات أو العلامات؛ ولا يتّسع الحرف الواحد لأكثر من { $limit }، فيُرجى حذف الزائد منها
       *[story] في نصّ الحلم حرفٌ في الموضع { $position } تتراكب عليه { $marks } من الحركات أو العلامات؛ ولا يتّسع الحرف الواحد لأكثر من { $limit }، فيُرجى حذف الزائد منها
    }
problem-control-character =
    { $field ->
        [origin] يحتوي الأصل الثقافي على محرف تحكّم ({ $code }) في الموضع { $position }
       *[story] يحتوي نصّ الحلم على محرف تحكّم ({ $code }) في الموضع { $position }
    }
problem-direction-control =
    { $field ->
        [origin] يحتوي الأصل الثقافي على محرف خفيّ يتحكّم في اتجاه النص ({ $code }) في الموضع { $position }؛ قد يعيد ترتيب ما يقرؤه الآخرون، فيُرجى حذفه
       *[story] يحتوي نصّ الحلم على محرف خفيّ يتحكّم في اتجاه النص ({ $code }) في الموضع { $position }؛ قد يعيد ترتيب ما يقرؤه الآخرون، فيُرجى حذفه
    }
problem-line-break =
    { $field ->
        [story] يجب أن يكون نصّ الحلم سطرًا واحدًا؛ لكنه ينكسر في الموضع { $position }
       *[origin] يجب أن يكون الأصل الثقافي سطرًا واحدًا؛ لكنه ينكسر في الموضع { $position }
    }
problem-not-a-language-tag = وسم اللغة ليس وسم لغة مثل «yo» أو «pt-BR» أو «zh-Hant»

## The curator's PIN pad.

pin-unset-title = لم يُعيَّن رمز سرّي للقيّم
pin-unset =
    { $max ->
        [few] تبقى لوحة القيّم مغلقة حتى يُعيَّن رمز سرّي. على هذا الحاسوب، في الطرفية، شغّل `dreamloom kiosk-pin` (مع مجلّد --data الخاص بالكشك إن كان له مجلّد) واكتب مرّتين رمزًا سرّيًا من { $min } إلى { $max } أرقام. تأخذه اللوحة في المرّة التالية التي تُفتح فيها.
        [many] تبقى لوحة القيّم مغلقة حتى يُعيَّن رمز سرّي. على هذا الحاسوب، في الطرفية، شغّل `dreamloom kiosk-pin` (مع مجلّد --data الخاص بالكشك إن كان له مجلّد) واكتب مرّتين رمزًا سرّيًا من { $min } إلى { $max } رقمًا. تأخذه اللوحة في المرّة التالية التي تُفتح فيها.
       *[other] تبقى لوحة القيّم مغلقة حتى يُعيَّن رمز سرّي. على هذا الحاسوب، في الطرفية، شغّل `dreamloom kiosk-pin` (مع مجلّد --data الخاص بالكشك إن كان له مجلّد) واكتب مرّتين رمزًا سرّيًا من { $min } إلى { $max } رقم. تأخذه اللوحة في المرّة التالية التي تُفتح فيها.
    }
pin-unset-short = لم يُعيَّن رمز سرّي للقيّم.
pin-close = إغلاق
pin-title = الرمز السرّي للقيّم
pin-delete = حذف
pin-ok = موافق
pin-cancel = إلغاء
pin-locked = أُقفلت اللوحة بعد رموز خاطئة كثيرة: حاول مجدّدًا بعد { $wait }.
pin-wrong =
    { $tries ->
        [zero] رمز خاطئ؛ لم تبقَ أيّ محاولة قبل أن تُقفل اللوحة.
        [one] رمز خاطئ؛ بقيت محاولة واحدة قبل أن تُقفل اللوحة.
        [two] رمز خاطئ؛ بقيت محاولتان قبل أن تُقفل اللوحة.
        [few] رمز خاطئ؛ بقيت { $tries } محاولات قبل أن تُقفل اللوحة.
        [many] رمز خاطئ؛ بقيت { $tries } محاولة قبل أن تُقفل اللوحة.
       *[other] رمز خاطئ؛ بقيت { $tries } محاولة قبل أن تُقفل اللوحة.
    }
pin-too-many = رموز خاطئة كثيرة؛ حاول مجدّدًا بعد { $wait }.

## The curator's panel.

curator-title = القيّم
curator-counts = على العباءة: { $visible } · بانتظار الموافقة: { $pending } · مخفيّة: { $hidden } · مسترجَعة: { $withdrawn }
curator-post-moderation = إشراف لاحق: تظهر الأحلام فورًا؛ أخفِ ما يجب أن يُزال.
curator-pre-moderation = إشراف مسبق: تنتظر الأحلام هنا حتى تُقبل.
curator-waiting = بانتظار الموافقة
curator-queue =
    { $count ->
        [zero] لا أحلام
        [one] حلم واحد
        [two] حلمان
        [few] { $count } أحلام
        [many] { $count } حلمًا
       *[other] { $count } حلم
    }
curator-nothing-waiting = لا شيء ينتظر.
curator-outbox =
    { $count ->
        [zero] لا شيء ينتظر قاعدة بيانات المعرض في هذا الكشك.
        [one] ينتظر في هذا الكشك حلم أو استرجاع واحد قاعدةَ بيانات المعرض؛ يُرسَل تلقائيًا عند عودتها.
        [two] ينتظر في هذا الكشك حلمان أو استرجاعان قاعدةَ بيانات المعرض؛ يُرسَلان تلقائيًا عند عودتها.
        [few] ينتظر في هذا الكشك { $count } أحلام واسترجاعات قاعدةَ بيانات المعرض؛ تُرسَل تلقائيًا عند عودتها.
        [many] ينتظر في هذا الكشك { $count } حلمًا واسترجاعًا قاعدةَ بيانات المعرض؛ تُرسَل تلقائيًا عند عودتها.
       *[other] ينتظر في هذا الكشك { $count } حلم واسترجاع قاعدةَ بيانات المعرض؛ تُرسَل تلقائيًا عند عودتها.
    }
curator-approve = موافقة
curator-hide = إخفاء
curator-restore = إعادة
curator-withdrawn = استرجعه صاحبه
curator-receipt = الإيصال:
curator-find = بحث
curator-status =
    { $status ->
        [visible] الحالة: على العباءة
        [pending] الحالة: بانتظار الموافقة
        [hidden] الحالة: مخفيّ
       *[withdrawn] الحالة: مسترجَع
    }
curator-moderated =
    { $status ->
        [visible] صار { $code } على العباءة.
        [hidden] أُخفي { $code }.
        [pending] { $code } بانتظار الموافقة.
       *[withdrawn] استُرجع { $code }.
    }
curator-lock = قفل
curator-quit = إنهاء الكشك
curator-quit-confirm = نعم، أنهِ الكشك
curator-store-unreadable = تعذّرت قراءة المخزن؛ راجع السجلّ.
curator-store-fault = تعذّر على المخزن فعل ذلك؛ راجع السجلّ.

## The phone form: every page.

page-title = { $title } — عباءة الأحلام الجماعية
web-back = العودة إلى النموذج

## The phone form: the dream form.

web-form-title = شارك حلمًا
web-form-intro = يصير حلمك خيطًا في عباءة الأحلام الجماعية، بألوان المكان الذي جاء منه. ستحصل على رمز تجد به خيطك من جديد، أو تسترجعه به.
web-problems = يُرجى النظر في هذا أولًا:
web-story-label = حلمك
web-story-hint =
    { $limit ->
        [few] بأيّ لغة، حتى { $limit } أحرف.
        [many] بأيّ لغة، حتى { $limit } حرفًا.
       *[other] بأيّ لغة، حتى { $limit } حرف.
    }
web-origin-label = من أين جاء حلمك
web-origin-hint =
    { $limit ->
        [few] ثقافتك أو مكانك، بكلماتك أنت — مثل «يوروبا، لاغوس» (حتى { $limit } أحرف).
        [many] ثقافتك أو مكانك، بكلماتك أنت — مثل «يوروبا، لاغوس» (حتى { $limit } حرفًا).
       *[other] ثقافتك أو مكانك، بكلماتك أنت — مثل «يوروبا، لاغوس» (حتى { $limit } حرف).
    }
web-language-label = لغة حلمك (اختياري)
web-language-hint =
    { $limit ->
        [few] وسم قصير مثل «yo» أو «pt-BR» أو «zh-Hant» (حتى { $limit } أحرف).
        [many] وسم قصير مثل «yo» أو «pt-BR» أو «zh-Hant» (حتى { $limit } حرفًا).
       *[other] وسم قصير مثل «yo» أو «pt-BR» أو «zh-Hant» (حتى { $limit } حرف).
    }
web-choices = خياراتك
web-show = اعرض خيطي على العباءة، حيث يستطيع الآخرون قراءته.
web-sanctuary = احمِه في الملاذ: لا يحقّ للبروتوكول أن يذيبه.
web-weave = انسج حلمي
web-withdraw-link = استرجع حلمًا شاركته

## The phone form: after a dream was stored.

web-thanks-title = نُسج حلمك
web-thanks-hidden = حُفظ، ولن يُعرض على العباءة، كما طلبت.
web-thanks-pending = ينظر القيّم في كلّ حلم قبل أن ينضمّ إلى العباءة؛ وسيظهر حلمك قريبًا.
web-thanks-woven = ارفع عينيك إلى العباءة: خيطك يُنسج فيها الآن.
web-thanks-code = رمزك:
web-thanks-card = بطاقتك التذكارية: حلمك بكلماتك، وخيطك بألوانه. المسها لتحفظها.
web-thanks-card-alt = بطاقة تذكارية لحلمك، ومعها رمزك
web-code-spelled = الرمز { $letters }
web-thanks-keep = احتفظ به (التقط له صورة). اكتبه في الكشك لتجد خيطك، أو استعمله هنا { $link } متى شئت.
web-thanks-keep-link = لاسترجاع حلمك
web-share-another = شارك حلمًا آخر

## The phone form: taking a dream back.

web-withdraw-title = استرجع حلمًا
web-withdraw-intro = اكتب الرمز الذي أُعطي لك. تُمحى كلمات حلمك إلى الأبد ويغادر خيطه العباءة.
web-code-label = رمزك
web-code-hint = ستة أحرف وأرقام، مثل 7KQ4XM.
web-erase = امحُ حلمي
web-share-instead = شارك حلمًا بدلًا من ذلك
web-erased-title = مُحي حلمك
web-erased = الحلم { $code }. زالت كلماته من المخزن، وخيطه يغادر العباءة.
web-taken-back-title = استُرجع حلمك
web-taken-back = الحلم { $code }. خيطه يغادر العباءة وكلماته زالت من المخزن؛ وأيّ نسخة قديمة بقيت على قرص هذا الحاسوب تُمسح حالما يفرغ المخزن، في غضون دقائق.
web-no-such-code = لا يحمل أيّ حلم هذا الرمز، أو أنه استُرجع من قبل. يُرجى التحقّق من كلّ حرف ورقم.

## The phone form: refusals and faults.

web-expired = هذا النموذج أُرسل من قبل، أو بقي مفتوحًا طويلًا، أو جاء من مكان آخر، فلم يُقبل. لم يضع شيء: راجعه أدناه وأرسله مجدّدًا.
web-resting-form = النول يستريح: تعذّر حفظ حلمك الآن. ما زال هنا؛ يُرجى إرساله مجدّدًا بعد دقيقة، أو مشاركته في الكشك.
web-resting-title = النول يستريح
web-resting = تعذّر حفظ حلمك الآن. يُرجى المحاولة بعد دقيقة، أو مشاركته في الكشك.
web-cross-site-title = يجب أن يُرسل هذا النموذج من صفحته
web-cross-site = جاء الطلب من موقع آخر، فرُفض. افتح نموذج الأحلام مباشرةً (امسح الرمز في الكشك) وأرسله من هناك.
web-not-a-form-title = لم يُرسَل هذا من النموذج
web-not-a-form = لا يقبل الخادم إلا ما يرسله نموذج الأحلام نفسه. يُرجى استعمال النموذج.
web-too-large-title = هذا أطول من أن يُرسل
web-too-large = ما أُرسل أكبر من أيّ حلم يتّسع له النموذج. يُرجى تقصيره.
web-incomplete-title = لم يصل النموذج كاملًا
web-incomplete = انقطع الاتصال أثناء إرسال النموذج. يُرجى إرساله مجدّدًا.
web-unreadable-title = تعذّرت قراءة النموذج
web-unreadable = ما وصل ليس نموذج حلم مكتملًا. يُرجى استعمال النموذج وإرساله مجدّدًا.
web-wrong-host-title = هذا ليس عنوان نموذج الأحلام
web-wrong-host = لا يُقدَّم نموذج الأحلام تحت هذا الاسم. افتحه من الرمز في الكشك.
web-wait-title = يُرجى الانتظار قليلًا
web-busy = تصل الآن أحلام كثيرة في وقت واحد.
web-pages-wait = فتح هذا الهاتف النموذج مرّات كثيرة في وقت قصير.
web-posts-wait = جاءت أحلام كثيرة من هذا الهاتف في وقت قصير.
web-try-again =
    { $seconds ->
        [one] يُرجى المحاولة مجدّدًا بعد ثانية واحدة.
        [two] يُرجى المحاولة مجدّدًا بعد ثانيتين.
        [few] يُرجى المحاولة مجدّدًا بعد { $seconds } ثوانٍ.
        [many] يُرجى المحاولة مجدّدًا بعد { $seconds } ثانية.
       *[other] يُرجى المحاولة مجدّدًا بعد { $seconds } ثانية.
    }
web-not-allowed-title = ليس هكذا
web-not-allowed = هذه الصفحة لفتح نموذج الأحلام وإرساله فحسب.
web-not-found-title = لا شيء هنا
web-not-found = هذه الصفحة غير موجودة. نموذج الأحلام في بداية هذا الموقع.
