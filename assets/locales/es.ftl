# Las palabras de Dreamloom en español: el quiosco de la galería, el panel de curaduría y el
# formulario del teléfono. The same messages as en.ftl (a unit test checks it); read its comments
# for what each argument is.

## The kiosk: attract mode.

attract-title = Comparte un sueño
attract-invitation = Toca la pantalla para tejer tu sueño en el manto, con los colores del lugar de donde viene.
attract-protocol = El Protocolo quiere un único sueño sin costuras. Cada hilo dice lo contrario.
attract-phone = o desde tu teléfono

## The kiosk: the visitor form.

form-title = Comparte un sueño
form-intro = Tu sueño se convierte en un hilo del manto, teñido por el lugar de donde viene. Recibirás un código para volver a encontrar tu hilo, o para retirarlo.
form-story-label = Tu sueño
form-story-count =
    { $limit ->
        [one] { $count } / { $limit } carácter
       *[other] { $count } / { $limit } caracteres
    }
form-origin-label = De dónde viene tu sueño
form-story-hint = En cualquier idioma. ¿Qué soñaste?
form-origin-hint = Tu cultura o tu lugar, con tus propias palabras (hasta { $limit } caracteres)
form-show = Mostrar mi hilo en el manto, donde otras personas puedan leerlo
form-sanctuary = Protegerlo en el Santuario: el Protocolo no podrá disolverlo
form-pre-moderation = El equipo curatorial lee cada sueño antes de que se una al manto.
form-weave = Tejer mi sueño
form-weaving = Tejiendo tu sueño…
form-just-look = Solo mirar el manto

## The kiosk: the on-screen keyboard's named keys.

key-space = espacio
key-delete = Borrar
key-shift = Mayús

## The kiosk: the receipt.

receipt-kept-title = Tu sueño está guardado
receipt-kept = Está en el archivo, y no en el manto, como pediste.
receipt-pending-title = Tu sueño ha llegado
receipt-pending = El equipo curatorial lee cada sueño primero; tu hilo se unirá pronto al manto.
receipt-woven-title = Tu sueño ya está tejido
receipt-woven = Mira el manto: tu hilo es el que brilla.
receipt-soon-title = Tu sueño ha llegado
receipt-soon = Tu hilo se unirá al manto en unos momentos.
receipt-code = Tu código:
receipt-keep =
    { $phone ->
        [yes] Guárdalo: hazle una foto. Escríbelo aquí o en el formulario del teléfono para encontrar tu hilo, o para retirar tu sueño cuando quieras.
       *[no] Guárdalo: hazle una foto. Escríbelo aquí para encontrar tu hilo, o para retirar tu sueño cuando quieras.
    }
receipt-done = Listo

## The kiosk: the browse bar, and its answers to receipt codes.

browse-share = Comparte un sueño
browse-code = Tu código:
browse-find = Encontrar mi hilo
browse-take-back = Retirarlo
browse-erase = Sí, borrarlo
browse-confirm-erase = Pulsa «{ browse-erase }» para borrar el sueño { $code } para siempre.
code-found = Aquí está tu hilo, { $code }.
code-off-cloak = El sueño { $code } está guardado, pero no en el manto: espera al equipo curatorial, fue ocultado o elegiste no mostrarlo.
code-erased = El sueño { $code } está borrado, y su hilo está dejando el manto.
code-taken-back = El sueño { $code } ha sido retirado, y su hilo está dejando el manto. Sus palabras ya no están en el archivo; una copia antigua que quede en el disco de este ordenador se borra en cuanto el archivo quede libre.
code-unknown = Ningún sueño tiene el código { $code }. Revisa cada letra y cada cifra, por favor.
code-already-withdrawn = El sueño con el código { $code } ya fue retirado.
codes-paused = Se han probado demasiados códigos aquí hace un momento. Espera { $wait } y vuelve a intentarlo, por favor.
phone-arrival = Ha llegado un sueño nuevo desde un teléfono

## The kiosk: when the store cannot answer.

kiosk-not-stored = El telar descansa: tu sueño no se ha podido guardar ahora. Sigue aquí; vuelve a intentarlo en un momento, por favor.
kiosk-no-store = El telar descansa: tu sueño no se ha podido guardar.
kiosk-resting = El telar descansa; vuelve a intentarlo en un momento, por favor.

## Waits.

wait-seconds =
    { $count ->
        [one] un segundo
       *[other] { $count } segundos
    }
wait-minutes =
    { $count ->
        [one] { $count } minuto
       *[other] { $count } minutos
    }
wait-hours =
    { $count ->
        [one] { $count } hora
       *[other] { $count } horas
    }

## A receipt code that cannot be one.

receipt-error-length = un código de recibo tiene { $expected } caracteres; «{ $typed }» tiene { $length }
receipt-error-character = «{ $character }» no puede aparecer en un código de recibo

## The rules a dream must meet.

problem-empty =
    { $field ->
        [origin] el origen cultural está vacío
       *[story] el sueño está vacío
    }
problem-too-long =
    { $field ->
        [origin] el origen cultural tiene { $length } caracteres; el límite es { $limit }
       *[story] el sueño tiene { $length } caracteres; el límite es { $limit }
    }
problem-too-many-bytes =
    { $field ->
        [origin] el origen cultural es demasiado largo para guardarlo: ocupa { $bytes } bytes y el límite es { $limit }; los emojis y las letras con muchos acentos ocupan varios bytes cada uno, así que acórtalo, por favor
       *[story] el sueño es demasiado largo para guardarlo: ocupa { $bytes } bytes y el límite es { $limit }; los emojis y las letras con muchos acentos ocupan varios bytes cada uno, así que acórtalo, por favor
    }
problem-too-many-marks =
    { $field ->
        [origin] el origen cultural tiene { $marks } acentos u otras marcas apiladas sobre el carácter de la posición { $position }; en un carácter caben { $limit } como mucho, así que quita las que sobran, por favor
       *[story] el sueño tiene { $marks } acentos u otras marcas apiladas sobre el carácter de la posición { $position }; en un carácter caben { $limit } como mucho, así que quita las que sobran, por favor
    }
problem-control-character =
    { $field ->
        [origin] el origen cultural contiene un carácter de control ({ $code }) en la posición { $position }
       *[story] el sueño contiene un carácter de control ({ $code }) en la posición { $position }
    }
problem-direction-control =
    { $field ->
        [origin] el origen cultural contiene un control invisible de la dirección del texto ({ $code }) en la posición { $position }; podría reordenar lo que leen los demás, así que quítalo, por favor
       *[story] el sueño contiene un control invisible de la dirección del texto ({ $code }) en la posición { $position }; podría reordenar lo que leen los demás, así que quítalo, por favor
    }
problem-line-break =
    { $field ->
        [story] el sueño debe ocupar una sola línea; se corta en la posición { $position }
       *[origin] el origen cultural debe ocupar una sola línea; se corta en la posición { $position }
    }
problem-not-a-language-tag = la etiqueta de idioma no es una etiqueta como «yo», «pt-BR» o «zh-Hant»

## The curator's PIN pad.

pin-unset-title = No hay ningún PIN de curaduría
pin-unset = El panel de curaduría sigue cerrado hasta que se establezca un PIN. En este ordenador, en una terminal, ejecuta `dreamloom kiosk-pin` (con la carpeta --data del quiosco, si tiene una) y escribe dos veces un PIN de { $min } a { $max } cifras. El teclado lo aceptará la próxima vez que se abra.
pin-unset-short = No hay ningún PIN de curaduría.
pin-close = Cerrar
pin-title = PIN de curaduría
pin-delete = Borrar
pin-ok = Aceptar
pin-cancel = Cancelar
pin-locked = Bloqueado tras demasiados PIN incorrectos: vuelve a intentarlo dentro de { $wait }.
pin-wrong =
    { $tries ->
        [one] PIN incorrecto; queda 1 intento antes de que el teclado se bloquee.
       *[other] PIN incorrecto; quedan { $tries } intentos antes de que el teclado se bloquee.
    }
pin-too-many = Demasiados PIN incorrectos; vuelve a intentarlo dentro de { $wait }.

## The curator's panel.

curator-title = Curaduría
curator-counts = { $visible } en el manto · { $pending } pendientes · { $hidden } ocultos · { $withdrawn } retirados
curator-post-moderation = Moderación posterior: los sueños aparecen enseguida; oculta lo que deba irse.
curator-pre-moderation = Moderación previa: los sueños esperan aquí hasta que se aprueban.
curator-waiting = Esperando aprobación
curator-queue =
    { $count ->
        [one] { $count } sueño
       *[other] { $count } sueños
    }
curator-nothing-waiting = No hay nada esperando.
curator-outbox =
    { $count ->
        [one] { $count } sueño o retiro espera en este quiosco a la base de datos de la exposición; se enviará solo cuando vuelva.
       *[other] { $count } sueños y retiros esperan en este quiosco a la base de datos de la exposición; se enviarán solos cuando vuelva.
    }
curator-approve = Aprobar
curator-hide = Ocultar
curator-restore = Restaurar
curator-withdrawn = retirado por quien lo escribió
curator-receipt = Recibo:
curator-find = Buscar
curator-status =
    { $status ->
        [visible] estado: en el manto
        [pending] estado: pendiente
        [hidden] estado: oculto
       *[withdrawn] estado: retirado
    }
curator-moderated =
    { $status ->
        [visible] { $code } está en el manto.
        [hidden] { $code } está oculto.
        [pending] { $code } está pendiente.
       *[withdrawn] { $code } fue retirado.
    }
curator-lock = Bloquear
curator-quit = Salir del quiosco
curator-quit-confirm = Sí, salir del quiosco
curator-store-unreadable = No se pudo leer el archivo; consulta el registro.
curator-store-fault = El archivo no pudo hacerlo; consulta el registro.

## The phone form: every page.

page-title = { $title } — El Manto de los Sueños Colectivos
web-back = Volver al formulario

## The phone form: the dream form.

web-form-title = Comparte un sueño
web-form-intro = Tu sueño se convierte en un hilo del Manto de los Sueños Colectivos, con los colores del lugar de donde viene. Recibirás un código para volver a encontrar tu hilo, o para retirarlo.
web-problems = Revisa esto primero, por favor:
web-story-label = Tu sueño
web-story-hint = En cualquier idioma, hasta { $limit } caracteres.
web-origin-label = De dónde viene tu sueño
web-origin-hint = Tu cultura o tu lugar, con tus propias palabras; por ejemplo, «Yoruba, Lagos» (hasta { $limit } caracteres).
web-language-label = Idioma de tu sueño (opcional)
web-language-hint = Una etiqueta corta como «yo», «pt-BR» o «zh-Hant» (hasta { $limit } caracteres).
web-choices = Tus elecciones
web-show = Mostrar mi hilo en el manto, donde otras personas puedan leerlo.
web-sanctuary = Protegerlo en el Santuario: el Protocolo no podrá disolverlo.
web-weave = Tejer mi sueño
web-withdraw-link = Retirar un sueño que compartiste

## The phone form: after a dream was stored.

web-thanks-title = Tu sueño ya está tejido
web-thanks-hidden = Está guardado, y no se muestra en el manto, como pediste.
web-thanks-pending = El equipo curatorial mira cada sueño antes de que se una al manto; el tuyo aparecerá pronto.
web-thanks-woven = Alza la vista al manto: tu hilo se está tejiendo ahora.
web-thanks-code = Tu código:
web-thanks-card = Tu tarjeta de recuerdo: tu sueño con tus palabras, tu hilo con sus colores. Tócala para guardarla.
web-thanks-card-alt = Tarjeta de recuerdo de tu sueño, con tu código
web-code-spelled = código { $letters }
web-thanks-keep = Guárdalo (hazle una foto). Escríbelo en el quiosco para encontrar tu hilo, o úsalo aquí para { $link } cuando quieras.
web-thanks-keep-link = retirar tu sueño
web-share-another = Compartir otro sueño

## The phone form: taking a dream back.

web-withdraw-title = Retirar un sueño
web-withdraw-intro = Escribe el código que recibiste. Las palabras de tu sueño se borran para siempre y su hilo deja el manto.
web-code-label = Tu código
web-code-hint = Seis letras y cifras, por ejemplo 7KQ4XM.
web-erase = Borrar mi sueño
web-share-instead = Mejor compartir un sueño
web-erased-title = Tu sueño está borrado
web-erased = Sueño { $code }. Sus palabras ya no están en el archivo, y su hilo está dejando el manto.
web-taken-back-title = Tu sueño ha sido retirado
web-taken-back = Sueño { $code }. Su hilo está dejando el manto y sus palabras ya no están en el archivo; una copia antigua que quede en el disco de este ordenador se borra en cuanto el archivo quede libre, en pocos minutos.
web-no-such-code = Ningún sueño tiene este código, o ya fue retirado. Revisa cada letra y cada cifra, por favor.

## The phone form: refusals and faults.

web-expired = Este formulario ya se envió, estuvo abierto demasiado tiempo o vino de otro sitio, así que no se aceptó. No se ha perdido nada: revísalo abajo y vuelve a enviarlo.
web-resting-form = El telar descansa: tu sueño no se ha podido guardar ahora. Sigue aquí; vuelve a enviarlo dentro de un minuto, o compártelo en el quiosco.
web-resting-title = El telar descansa
web-resting = Tu sueño no se ha podido guardar ahora. Vuelve a intentarlo dentro de un minuto, o compártelo en el quiosco.
web-cross-site-title = Este formulario debe enviarse desde su propia página
web-cross-site = La petición venía de otro sitio web, así que se rechazó. Abre directamente el formulario de sueños (escanea el código del quiosco) y envíalo desde allí.
web-not-a-form-title = Esto no lo envió el formulario
web-not-a-form = El servidor solo acepta lo que envía el propio formulario de sueños. Usa el formulario, por favor.
web-too-large-title = Es demasiado largo para enviarlo
web-too-large = Lo enviado es más grande que cualquier sueño que quepa en el formulario. Acórtalo, por favor.
web-incomplete-title = El formulario no llegó entero
web-incomplete = La conexión se cortó mientras se enviaba el formulario. Vuelve a enviarlo, por favor.
web-unreadable-title = No se pudo leer el formulario
web-unreadable = Lo que llegó no es un formulario de sueño completo. Usa el formulario y vuelve a enviarlo, por favor.
web-wrong-host-title = Esta no es la dirección del formulario de sueños
web-wrong-host = El formulario de sueños no se sirve con ese nombre. Ábrelo desde el código del quiosco.
web-wait-title = Espera un momento, por favor
web-busy = Están llegando muchos sueños a la vez ahora mismo.
web-pages-wait = Este teléfono abrió el formulario muchas veces en poco tiempo.
web-posts-wait = Llegaron muchos sueños desde este teléfono en poco tiempo.
web-try-again =
    { $seconds ->
        [one] Vuelve a intentarlo dentro de { $seconds } segundo, por favor.
       *[other] Vuelve a intentarlo dentro de { $seconds } segundos, por favor.
    }
web-not-allowed-title = Así no
web-not-allowed = Esta página solo sirve para abrir y enviar el formulario de sueños.
web-not-found-title = Aquí no hay nada
web-not-found = Esta página no existe. El formulario de sueños está al principio de este sitio.
