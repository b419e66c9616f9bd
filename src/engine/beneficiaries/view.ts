/** A beneficiary's form (passports, addresses) is sealed to its merchant. */
export const formAad = (merchantId: bigint) => `${merchantId}:beneficiary`;
