/*
 * fuzz_paseto: token verification must refuse garbage without crashing, and must never
 * accept anything but a token signed by the key.
 */
#include "mt_paseto.h"

#include <sodium.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  static uint8_t sk[crypto_sign_SECRETKEYBYTES];
  static bool ready;
  uint8_t *message = NULL;
  size_t message_len = 0;
  mt_error_t error;

  if (!ready) {
    if (sodium_init () < 0) {
      abort ();
    }
    crypto_sign_keypair (pk, sk);
    ready = true;
  }
  if (mt_paseto_v4_public_verify (pk, (const char *) data, size, NULL, 0, NULL, 0, &message,
                                  &message_len, &error)) {
    abort (); /* nobody but us holds sk: a random input can never verify */
  }
  free (message);
  return 0;
}
